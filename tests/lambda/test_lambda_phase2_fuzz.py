"""Property: whatever arrives, the Phase 2 functions answer and never raise.

- chat_api gets API Gateway REST proxy events (valid routes with plausible or junk values,
  broken envelopes, junk) against moto's tables and an agent that always answers (each request
  it receives is checked against botocore's InvokeAgent input shape): a well-formed proxy
  response, never a 5xx.
- cleanup_sessions, refresh_cache and daily_metrics get EventBridge events (scheduled events
  with random details, backfill requests, junk): a summary dict with a known status.
"""

from __future__ import annotations

import functools
import json
import uuid
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.validate import validate_parameters
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

REGION = "us-east-1"
def fuzz(examples: int) -> settings:
    return settings(FUZZ, max_examples=examples)


FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KNOWN_SESSION = "6f1c2b9e-4a7d-4c1e-9b3a-2d5e8f7a1c40"

json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
TRICKY = st.sampled_from(
    ["", " ", "CUST001", "CUST002", "cust001", "C1", "09PF05VD", "x" * 65, "../etc", "\u0000", "\ud800", "null",
     KNOWN_SESSION, KNOWN_SESSION.upper(), str(uuid.UUID(int=0)), "%2F", "a/b"]
)
text = TRICKY | st.text(max_size=40)


@functools.cache
def _session() -> Any:
    return boto3.session.Session()


# chat_api


class AnsweringAgent:
    """An agent runtime client that always answers, after checking the request is valid."""

    def __init__(self) -> None:
        self._input = _session().client("bedrock-agent-runtime", region_name=REGION).meta.service_model.operation_model(
            "InvokeAgent"
        ).input_shape

    def invoke_agent(self, **request: Any) -> dict[str, Any]:
        validate_parameters(request, self._input)
        return {"completion": iter([{"trace": {}}, {"chunk": {"bytes": b"Sure, "}}, {"chunk": {"bytes": b"done."}}])}


@pytest.fixture
def chat_env(tables: dict[str, str], monkeypatch: pytest.MonkeyPatch, pf: SimpleNamespace) -> None:
    monkeypatch.setenv("SUPERVISOR_AGENT_ID", "SUPERVISOR1")
    monkeypatch.setenv("SUPERVISOR_ALIAS_ID", "ALIAS00001")
    agent = AnsweringAgent()
    real = pf.aws.client
    monkeypatch.setattr(
        pf.aws, "client", lambda service, region=None: agent if service == "bedrock-agent-runtime" else real(service)
    )
    _session().client("dynamodb", region_name=REGION).put_item(
        TableName=tables["SESSION_TABLE"],
        Item={
            "session_id": {"S": KNOWN_SESSION},
            "customer_id": {"S": "CUST001"},
            "client_id": {"S": "09PF05VD"},
            "created_at": {"N": "1700000000"},
            "updated_at": {"N": "1700000000"},
        },
    )


def _chat_body() -> st.SearchStrategy[Any]:
    plausible = st.fixed_dictionaries(
        {},
        optional={
            "customer_id": st.sampled_from(["CUST001", "CUST002"]) | text,
            "client_id": st.just("09PF05VD") | text,
            "message": st.text(min_size=1, max_size=60) | text | st.just("x" * 2001),
            "session_id": st.sampled_from([KNOWN_SESSION, str(uuid.uuid4())]) | text,
        },
    )
    return plausible.map(json.dumps) | json_value.map(json.dumps) | st.text(max_size=30) | st.none()


def _route() -> st.SearchStrategy[tuple[str, str, dict[str, str] | None, str | None]]:
    session_path = (st.sampled_from([KNOWN_SESSION, str(uuid.UUID(int=1, version=4))]) | text).map(
        lambda sid: f"/sessions/{sid}"
    )
    query = st.none() | st.fixed_dictionaries({}, optional={"customer_id": st.just("CUST001") | text, "x": text})
    return st.one_of(
        st.tuples(st.just("POST"), st.just("/chat"), st.none(), _chat_body()),
        st.tuples(st.sampled_from(["GET", "DELETE"]), session_path, query, st.none()),
        st.tuples(st.just("GET"), st.just("/health"), query, st.none()),
        st.tuples(st.sampled_from(["GET", "PUT", "PATCH", "OPTIONS", "get"]), st.text(max_size=20).map("/".__add__),
                  query, st.none() | st.text(max_size=20)),
    )


def _proxy_events() -> st.SearchStrategy[Any]:
    def build(route: tuple[str, str, dict[str, str] | None, str | None], extra: dict[str, Any]) -> dict[str, Any]:
        method, path, query, body = route
        event = {
            "resource": path,
            "path": path,
            "httpMethod": method,
            "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {"Content-Type": ["application/json"]},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": None,
            "requestContext": {"stage": "dev", "requestId": "r"},
            "body": body,
            "isBase64Encoded": False,
        }
        event.update(extra)
        return event

    envelope_noise = st.fixed_dictionaries(
        {},
        optional={
            "headers": st.none() | st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2) | json_value,
            "isBase64Encoded": st.booleans() | json_value,
            "requestContext": st.none() | json_value,
            "pathParameters": st.none() | st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=1),
            "httpMethod": st.text(max_size=8) | json_value,
            "path": st.text(max_size=20) | json_value,
        },
    )
    targeted = st.builds(build, _route(), st.just({}))
    broken = st.builds(build, _route(), envelope_noise)
    # Mostly events that reach the routes; then broken envelopes; then junk.
    return weighted((7, targeted), (2, broken), (1, json_value))


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Draw from the strategies in proportion to their weights (st.one_of is not uniform)."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(min_value=0, max_value=len(table) - 1).flatmap(lambda index: table[index])


@pytest.mark.usefixtures("chat_env")
@fuzz(300)
@given(data=st.data())
def test_chat_api_answers_every_event_without_a_5xx(
    data: st.DataObject, phase2: dict[str, ModuleType], fake_context: Any
) -> None:
    proxy_event = data.draw(_proxy_events(), label="event")
    response = phase2["chat_api"].lambda_handler(proxy_event, fake_context)
    assert isinstance(response, dict)
    json.dumps(response)
    status = response["statusCode"]
    event(f"HTTP {status}")
    assert type(status) is int and status in {200, 204, 400, 403, 404, 422}, response.get("body")
    assert response["isBase64Encoded"] is False
    if status != 204:
        body = json.loads(response["body"])
        if status >= 400:
            assert body["statusCode"] == status and body["message"]


# The scheduled functions


def _eventbridge_events() -> st.SearchStrategy[Any]:
    scheduled = st.fixed_dictionaries(
        {
            "version": st.just("0"),
            "id": st.uuids().map(str),
            "detail-type": st.just("Scheduled Event"),
            "source": st.just("aws.events"),
            "account": st.just("123456789012"),
            "region": st.just(REGION),
            "resources": st.lists(st.text(max_size=20), max_size=1),
        },
        optional={
            "time": st.datetimes().map(lambda d: d.isoformat() + "Z") | text | json_value,
            "detail": st.fixed_dictionaries({}, optional={"day": st.dates().map(str) | text | json_value}) | json_value,
            "day": st.dates().map(str) | text | json_value,
        },
    )
    return weighted((6, scheduled), (2, json_value), (2, st.dictionaries(st.text(max_size=8), json_value, max_size=4)))


@pytest.fixture
def scheduled_env(
    tables: dict[str, str], monkeypatch: pytest.MonkeyPatch, helpers: SimpleNamespace
) -> dict[str, str]:
    monkeypatch.setenv("ENVIRONMENT", "fuzz")
    secret = helpers.aws_client("secretsmanager").create_secret(Name="pf/fuzz", SecretString="x")["ARN"]
    monkeypatch.setenv("SECRET_ARNS", secret)
    return tables


@pytest.fixture
def pf360_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USE_MOCK_API", "false")
    monkeypatch.setenv("PF360_API_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PF360_CLIENT_ID", "09PF05VD")
    monkeypatch.setenv("PF360_CREDENTIALS_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x")


@pytest.mark.parametrize("function", ["cleanup_sessions", "refresh_cache", "daily_metrics"])
@pytest.mark.usefixtures("scheduled_env", "pf360_env")
@fuzz(150)
@given(data=st.data())
def test_scheduled_functions_never_raise(
    function: str, data: st.DataObject, phase2: dict[str, ModuleType], fake_context: Any
) -> None:
    scheduled_event = data.draw(_eventbridge_events(), label="event")
    summary = phase2[function].lambda_handler(scheduled_event, fake_context)
    assert isinstance(summary, dict)
    json.dumps(summary)
    event(f"status {summary['status']}")
    assert summary["status"] in {"ok", "partial", "skipped", "error"}
    if function != "daily_metrics":
        assert summary["status"] == "ok"  # they ignore the event
