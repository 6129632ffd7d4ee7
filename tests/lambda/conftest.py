"""Fixtures for the action-group Lambda tests of the scheduling system (lambda/scheduling/).

The action groups are the ones of the agent table, systems/scheduling/agents.toml, read by
lambda/scheduling/generate_schemas.py: a test that takes an `action_group` argument runs once
per group, and one that takes `operation` once per operation of the committed schemas, so a
new row (with its handler and generated schema) is tested without editing this folder.

The handlers are all called handler.py: they are loaded through the generator's `load_handler`,
which gives each a unique module name and keeps the function folders off sys.path. The shared
package `pf_actions` is loaded once, from lambda/scheduling/shared, and its mock data is reset
(with a pinned clock) before every test.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
import logging
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, NamedTuple

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOT = REPO_ROOT / "lambda" / "scheduling"
# A Monday, so the booking window starts on a Tuesday and contains weekends and a 9th.
TODAY = dt.date(2025, 1, 6)
CUSTOMER = {"customer_id": "CUST001", "client_id": "09PF05VD"}
_PF360_ENV = ("PF360_API_BASE_URL", "PF360_CLIENT_ID", "PF360_CREDENTIALS_SECRET_ARN")
HTTP_METHODS = ("get", "post", "put", "delete", "patch")


def _load_generator() -> ModuleType:
    name = "pf_lambda_generate_schemas"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SOURCE_ROOT / "generate_schemas.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


ACTION_GROUPS: tuple[str, ...] = _load_generator().action_groups()


class Operation(NamedTuple):
    group: str
    operation_id: str
    path: str
    method: str  # lower case, as in the schema


def schema_operations() -> list[Operation]:
    """Every operation of every committed schema of the table's action groups."""
    generator = _load_generator()
    found = []
    for group in ACTION_GROUPS:
        schema = json.loads(generator.schema_path(group).read_text(encoding="utf-8"))
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                if method in HTTP_METHODS:
                    found.append(Operation(group, operation["operationId"], path, method))
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "action_group" in metafunc.fixturenames:
        metafunc.parametrize("action_group", ACTION_GROUPS)
    if "operation" in metafunc.fixturenames:
        operations = schema_operations()
        metafunc.parametrize("operation", operations, ids=[f"{o.group}-{o.operation_id}" for o in operations])


@pytest.fixture(scope="session")
def generator() -> ModuleType:
    return _load_generator()


@pytest.fixture(scope="session")
def action_groups() -> tuple[str, ...]:
    return ACTION_GROUPS


@pytest.fixture(scope="session")
def handlers(generator: ModuleType) -> dict[str, ModuleType]:
    loaded = {name: generator.load_handler(name) for name in ACTION_GROUPS}
    # INFO lines per invocation only slow the fuzz tests down; tests that read logs lower it.
    importlib.import_module("pf_actions.log").logger.setLevel("WARNING")
    return loaded


@pytest.fixture(scope="session")
def pf(handlers: dict[str, ModuleType]) -> SimpleNamespace:
    """The shared package's modules, as the handlers imported them."""
    names = (
        "backend",
        "bedrock",
        "credentials",
        "errors",
        "log",
        "mock_data",
        "models",
        "pf360_api",
        "pf360_client",
        "schedule_rules",
        "settings",
    )
    return SimpleNamespace(**{name: importlib.import_module(f"pf_actions.{name}") for name in names})


@pytest.fixture(scope="session")
def schemas(generator: ModuleType) -> dict[str, dict[str, Any]]:
    return {name: json.loads(generator.schema_path(name).read_text(encoding="utf-8")) for name in ACTION_GROUPS}


@pytest.fixture(autouse=True)
def _fresh_state(pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mock mode, seed data, empty caches: what a cold start in the dev environment gives."""
    monkeypatch.setenv("USE_MOCK_API", "true")
    for name in _PF360_ENV:
        monkeypatch.delenv(name, raising=False)
    pf.mock_data.STORE.reset(clock=lambda: TODAY)
    pf.backend.reset_backend_cache()
    pf.credentials.clear_credentials_cache()


def bedrock_event(
    api_path: str,
    method: str = "GET",
    params: dict[str, str] | None = None,
    body: dict[str, str] | None = None,
    session: dict[str, str] | None = None,
    action_group: str = "test-actions",
) -> dict[str, Any]:
    """An OpenAPI action-group event as Bedrock sends it (values always strings)."""
    event: dict[str, Any] = {
        "messageVersion": "1.0",
        "agent": {"name": "pf-agent", "id": "AGENT1", "alias": "TSTALIASID", "version": "DRAFT"},
        "inputText": "test",
        "sessionId": "session-1",
        "actionGroup": action_group,
        "apiPath": api_path,
        "httpMethod": method,
        "parameters": [{"name": k, "type": "string", "value": v} for k, v in (params or {}).items()],
        "sessionAttributes": dict(CUSTOMER if session is None else session),
        "promptSessionAttributes": {},
    }
    if body is not None:
        properties = [{"name": k, "type": "string", "value": v} for k, v in body.items()]
        event["requestBody"] = {"content": {"application/json": {"properties": properties}}}
    return event


@pytest.fixture(scope="session")
def event() -> Callable[..., dict[str, Any]]:
    return bedrock_event


def response_status(response: dict[str, Any]) -> int:
    return response["response"]["httpStatusCode"]


def response_json(response: dict[str, Any]) -> Any:
    return json.loads(response["response"]["responseBody"]["application/json"]["body"])


def assert_well_formed(response: Any, event: Any) -> None:
    """The Bedrock action-group response contract, for any event."""
    assert isinstance(response, dict)
    json.dumps(response)  # serialisable as Lambda will
    assert response["messageVersion"] == "1.0"
    inner = response["response"]
    for key in ("actionGroup", "apiPath", "httpMethod"):
        assert isinstance(inner[key], str)
        if isinstance(event, dict) and isinstance(event.get(key), str):
            assert inner[key] == event[key]
    status = inner["httpStatusCode"]
    assert type(status) is int and 200 <= status < 600
    assert list(inner["responseBody"]) == ["application/json"]
    body = json.loads(inner["responseBody"]["application/json"]["body"])
    if status >= 400:
        assert body["statusCode"] == status
        assert isinstance(body["message"], str) and body["message"]
    for key in ("sessionAttributes", "promptSessionAttributes"):
        if key in response:
            assert isinstance(response[key], dict)


@pytest.fixture(scope="session")
def helpers() -> SimpleNamespace:
    return SimpleNamespace(
        status=response_status, body=response_json, assert_well_formed=assert_well_formed, event=bedrock_event
    )


class LogCapture:
    """Collects every record of the given loggers as formatted text, at DEBUG, each once (a
    record of the package's logger also propagates to the root logger)."""

    def __init__(self, formatter: logging.Formatter, logger_names: Iterable[str]) -> None:
        self.records: list[str] = []
        self._last: logging.LogRecord | None = None
        self._handler = logging.Handler()
        self._handler.emit = self._emit  # type: ignore[method-assign]
        self._handler.setFormatter(formatter)
        self._loggers = [logging.getLogger(name) for name in logger_names]
        self._levels = [lg.level for lg in self._loggers]

    def _emit(self, record: logging.LogRecord) -> None:
        if record is not self._last:  # the propagated copy arrives right after the original
            self._last = record
            self.records.append(self._handler.format(record))

    def __enter__(self) -> LogCapture:
        for lg in self._loggers:
            lg.addHandler(self._handler)
            lg.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: object) -> None:
        for lg, level in zip(self._loggers, self._levels, strict=True):
            lg.removeHandler(self._handler)
            lg.setLevel(level)

    @property
    def text(self) -> str:
        return "\n".join(self.records)


@pytest.fixture
def capture_logs(pf: SimpleNamespace) -> Callable[[], LogCapture]:
    """Capture the package's JSON logs plus everything else (root: urllib3, botocore) at DEBUG."""
    logger = pf.log.logger

    def make() -> LogCapture:
        return LogCapture(logger.registered_formatter, [logger.name, ""])

    return make
