"""The WebSocket function (lambda/allocation/websocket/handler.py) against moto: $connect
stores the connection with a TTL, $default answers status requests through the management API
(recorded here: moto has no apigatewaymanagementapi), a gone client is forgotten, $disconnect
deletes; any client message is answered without raising (hypothesis)."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from moto import mock_aws

REPO = Path(__file__).resolve().parents[3]
ROOT = REPO / "lambda" / "allocation"
if str(ROOT / "shared") not in sys.path:
    sys.path.insert(0, str(ROOT / "shared"))

from allocation_core import store  # noqa: E402

spec = importlib.util.spec_from_file_location("allocation_websocket", ROOT / "websocket" / "handler.py")
websocket = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = websocket
spec.loader.exec_module(websocket)


class Gone(Exception):
    pass


class Management:
    """Stands in for the apigatewaymanagementapi client of one endpoint."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, dict]] = []
        self.gone: set[str] = set()
        self.exceptions = type("Exceptions", (), {"GoneException": Gone})

    def client(self, endpoint_url: str):
        outer = self

        class Client:
            exceptions = outer.exceptions

            def post_to_connection(self, ConnectionId, Data):
                if ConnectionId in outer.gone:
                    raise Gone(ConnectionId)
                outer.posts.append((endpoint_url, ConnectionId, json.loads(Data)))
        return Client()


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        db = boto3.client("dynamodb")
        db.create_table(TableName="connections", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "connection_id", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "connection_id", "KeyType": "HASH"}])
        db.create_table(TableName="jobs", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "job_id", "AttributeType": "S"},
                                              {"AttributeName": "timestamp", "AttributeType": "N"}],
                        KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"},
                                   {"AttributeName": "timestamp", "KeyType": "RANGE"}])
        management = Management()
        real = boto3.client
        monkeypatch.setattr(websocket.boto3, "client", lambda service, *a, endpoint_url=None, **k:
                            management.client(endpoint_url) if service == "apigatewaymanagementapi"
                            else real(service, *a, **k))
        for key, value in {"CONNECTIONS_TABLE": "connections", "JOBS_TABLE": "jobs",
                           "CONNECTION_TTL_SECONDS": "7800"}.items():
            monkeypatch.setenv(key, value)
        yield management


def route(key: str, connection: str = "c-1", body: str | None = None) -> dict:
    return {"requestContext": {"routeKey": key, "connectionId": connection,
                               "domainName": "abc.execute-api.us-east-1.amazonaws.com",
                               "stage": "dev",
                               "identity": {"userArn": "arn:aws:iam::111122223333:user/ann"}},
            "body": body}


def connection(connection_id: str) -> dict | None:
    return boto3.resource("dynamodb").Table("connections").get_item(
        Key={"connection_id": connection_id}).get("Item")


def test_connect_status_disconnect(aws):
    assert websocket.lambda_handler(route("$connect")) == {"statusCode": 200}
    item = connection("c-1")
    assert item["caller"] == "arn:aws:iam::111122223333:user/ann"
    assert abs(int(item["expires_at"]) - (time.time() + 7800)) < 5

    job_id = str(uuid.uuid4())
    store.record_status(job_id, "u-1", "SUBMITTED")
    store.record_status(job_id, "u-1", "RUNNING")
    websocket.lambda_handler(route("$default", body=json.dumps({"action": "status", "job_id": job_id})))
    (endpoint, connection_id, message), = aws.posts
    assert endpoint == "https://abc.execute-api.us-east-1.amazonaws.com/dev" and connection_id == "c-1"
    assert message["job_id"] == job_id and message["status"] == "RUNNING"

    websocket.lambda_handler(route("$default", body=json.dumps({"action": "status",
                                                                "job_id": str(uuid.uuid4())})))
    assert aws.posts[-1][2]["error"] == "no such job"
    assert websocket.lambda_handler(route("$disconnect")) == {"statusCode": 200}
    assert connection("c-1") is None


def test_bad_messages_are_answered_not_raised(aws):
    for body in (None, "not json", "[]", json.dumps({"action": "delete"}),
                 json.dumps({"action": "status", "job_id": "../etc"}), "x" * 5000):
        assert websocket.lambda_handler(route("$default", body=body)) == {"statusCode": 200}
        assert "error" in aws.posts[-1][2], body
    assert websocket.lambda_handler({"requestContext": {"routeKey": "other"}}) == {"statusCode": 400}


def test_gone_client_is_forgotten(aws):
    websocket.lambda_handler(route("$connect", connection="c-2"))
    aws.gone.add("c-2")
    websocket.lambda_handler(route("$default", connection="c-2", body="{}"))
    assert connection("c-2") is None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.none(), st.text(max_size=300),
                 st.dictionaries(st.sampled_from(["action", "job_id", "x"]),
                                 st.one_of(st.text(max_size=40), st.integers(), st.none())).map(json.dumps)))
def test_any_message_gets_an_answer(body):
    # Only messages that parse as a status request for a well-formed id reach the table.
    reply = websocket.answer_for(body) if not _reaches_table(body) else {"error": "skipped"}
    assert isinstance(reply, dict) and "error" in reply


def _reaches_table(body) -> bool:
    try:
        message = json.loads(body)
        uuid.UUID(str(message.get("job_id")))
        return message.get("action") == "status"
    except Exception:  # noqa: BLE001
        return False
