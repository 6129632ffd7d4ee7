"""Fixtures for the action-group Lambda tests of the scheduling system (lambda/scheduling/).

The action groups are the ones of the agent table, systems/scheduling/agents.toml, read by
lambda/scheduling/generate_schemas.py: a test that takes an `action_group` argument runs once
per group, and one that takes `operation` once per operation of the committed schemas, so a
new row (with its handler and generated schema) is tested without editing this folder.

The handlers are all called handler.py: they are loaded through the generator's `load_handler`,
which gives each a unique module name and keeps the function folders off sys.path. The shared
package `pf_actions` is loaded once, from lambda/scheduling/shared, and its mock data is reset
(with a pinned clock) before every test.

Phase 2 (scaling and observability): the functions that are not action groups (PHASE2_FUNCTIONS)
are loaded the same way (`phase2` fixture). Every test starts without any Phase 2 variable
(what Phase 1 stacks give) and with empty settings, cache and boto3 client caches; `aws_mock`
starts moto (`mock_aws`) with fake credentials, and `tables` creates the Phase 2 DynamoDB tables
with the key schemas the infrastructure uses. `emf_records` parses the EMF lines a test printed.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, NamedTuple

import boto3
import pytest
from moto import mock_aws

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOT = REPO_ROOT / "lambda" / "scheduling"
# A Monday, so the booking window starts on a Tuesday and contains weekends and a 9th.
TODAY = dt.date(2025, 1, 6)
CUSTOMER = {"customer_id": "CUST001", "client_id": "09PF05VD"}
_PF360_ENV = ("PF360_API_BASE_URL", "PF360_CLIENT_ID", "PF360_CREDENTIALS_SECRET_ARN")
# Function folders of lambda/scheduling/ that are not action groups (no schema, no agent row).
PHASE2_FUNCTIONS = ("chat_api", "cleanup_sessions", "refresh_cache", "daily_metrics",
                    "cognito_pre_signup", "cognito_post_confirmation")
# Every variable Phase 2 adds; none is set at the start of a test (Phase 1 behaviour).
PHASE2_ENV = (
    "ENVIRONMENT",
    "SETTINGS_PARAMETER_PATH",
    "SETTINGS_CACHE_SECONDS",
    "CACHE_TABLE",
    "SUPERVISOR_AGENT_ID",
    "SUPERVISOR_ALIAS_ID",
    "CONVERSATION_TABLE",
    "SESSION_TABLE",
    "METRICS_TABLE",
    "SECRET_ARNS",
    "LAMBDA_TASK_ROOT",
)
# Phase 3 async work (queue consumers, workflow steps, stream consumer) and its variables.
PHASE2_FUNCTIONS += ("async_tasks", "appointment_notifications", "workflow_tasks", "events_consumer")
PHASE2_ENV += ("EVENTS_STREAM", "METRICS_STREAM", "NOTIFICATIONS_TOPIC", "SESSION_IDLE_DAYS")
REGION = "us-east-1"
# Table names as a test environment names them.
TABLES = {
    "CACHE_TABLE": "pf-cache-test",
    "CONVERSATION_TABLE": "pf-conversations-test",
    "SESSION_TABLE": "pf-sessions-test",
    "METRICS_TABLE": "pf-metrics-test",
}
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
    if "function_folder" in metafunc.fixturenames:
        metafunc.parametrize("function_folder", PHASE2_FUNCTIONS)
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
        "app_settings",
        "aws",
        "backend",
        "bedrock",
        "cache",
        "conversations",
        "credentials",
        "errors",
        "log",
        "metrics",
        "mock_data",
        "models",
        "pf360_api",
        "pf360_client",
        "runtime",
        "schedule_rules",
        "settings",
        "tracing",
    )
    return SimpleNamespace(**{name: importlib.import_module(f"pf_actions.{name}") for name in names})


@pytest.fixture(scope="session")
def schemas(generator: ModuleType) -> dict[str, dict[str, Any]]:
    return {name: json.loads(generator.schema_path(name).read_text(encoding="utf-8")) for name in ACTION_GROUPS}


@pytest.fixture(scope="session")
def phase2_functions() -> tuple[str, ...]:
    return PHASE2_FUNCTIONS


@pytest.fixture(scope="session")
def phase2(generator: ModuleType, handlers: dict[str, ModuleType]) -> dict[str, ModuleType]:
    """The Phase 2 functions' handler modules, by folder name."""
    return {name: generator.load_handler(name) for name in PHASE2_FUNCTIONS}


@pytest.fixture(autouse=True)
def _fresh_state(pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mock mode, seed data, empty caches: what a cold start in the dev environment gives."""
    monkeypatch.setenv("USE_MOCK_API", "true")
    for name in (*_PF360_ENV, *PHASE2_ENV):
        monkeypatch.delenv(name, raising=False)
    pf.mock_data.STORE.reset(clock=lambda: TODAY)
    pf.backend.reset_backend_cache()
    pf.credentials.clear_credentials_cache()
    pf.app_settings.clear_cache()
    pf.cache.reset_caches()
    pf.aws.reset_clients()


@pytest.fixture
def aws_mock(monkeypatch: pytest.MonkeyPatch, pf: SimpleNamespace) -> Iterator[None]:
    """moto's in-process AWS, fake credentials, one region."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield
    pf.aws.reset_clients()


_SESSION: list[Any] = []


def aws_client(service: str) -> Any:
    """A boto3 client for the tests' own calls (to moto), from one shared session: a new
    session per test would reload the service models every time."""
    if not _SESSION:
        _SESSION.append(boto3.session.Session())
    return _SESSION[0].client(service, region_name=REGION)


def create_tables(*env_names: str) -> None:
    """Create the named Phase 2 tables (keys as the infrastructure defines them)."""
    keys = {
        "CACHE_TABLE": (("customer_id", "S"), ("project_id", "S")),
        "CONVERSATION_TABLE": (("session_id", "S"), ("timestamp", "N")),
        "SESSION_TABLE": (("session_id", "S"), None),
        "METRICS_TABLE": (("agent_id", "S"), ("timestamp", "N")),
    }
    client = aws_client("dynamodb")
    for env_name in env_names:
        partition, sort = keys[env_name]
        schema = [{"AttributeName": partition[0], "KeyType": "HASH"}]
        attributes = [{"AttributeName": partition[0], "AttributeType": partition[1]}]
        if sort:
            schema.append({"AttributeName": sort[0], "KeyType": "RANGE"})
            attributes.append({"AttributeName": sort[0], "AttributeType": sort[1]})
        client.create_table(
            TableName=TABLES[env_name],
            KeySchema=schema,
            AttributeDefinitions=attributes,
            BillingMode="PAY_PER_REQUEST",
        )


@pytest.fixture
def tables(aws_mock: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """All Phase 2 tables, created in moto and named in the environment."""
    create_tables(*TABLES)
    for env_name, table in TABLES.items():
        monkeypatch.setenv(env_name, table)
    return dict(TABLES)


def emf_records(output: str) -> list[dict[str, Any]]:
    """The EMF records among printed lines."""
    records = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            records.append(json.loads(line))
    return records


def emitted(output: str) -> dict[str, float]:
    """Metric name -> sum of its values, over the EMF records printed."""
    totals: dict[str, float] = {}
    for record in emf_records(output):
        for definition in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            name = definition["Name"]
            values = record[name] if isinstance(record[name], list) else [record[name]]
            totals[name] = totals.get(name, 0.0) + sum(values)
    return totals


@pytest.fixture
def fake_context() -> SimpleNamespace:
    """A Lambda context with plenty of time left."""
    return SimpleNamespace(aws_request_id="req-1", get_remaining_time_in_millis=lambda: 300_000)


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
        status=response_status,
        body=response_json,
        assert_well_formed=assert_well_formed,
        event=bedrock_event,
        emf_records=emf_records,
        emitted=emitted,
        create_tables=create_tables,
        aws_client=aws_client,
        region=REGION,
        table_names=dict(TABLES),
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

    def make(own_only: bool = False) -> LogCapture:
        """own_only: the package's logger alone (botocore's DEBUG output is slow to format)."""
        return LogCapture(logger.registered_formatter, [logger.name] if own_only else [logger.name, ""])

    return make
