"""The chat API function (API Gateway REST proxy -> supervisor agent): routes, validation,
session ownership, conversation storage in moto's DynamoDB, and InvokeAgent through botocore's
Stubber fed with real response shapes: the `completion` member is a botocore EventStream
decoding binary event-stream frames (chunk, trace and exception events), exactly what
botocore's parser gives a caller in Lambda."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import struct
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.eventstream import EventStream
from botocore.parsers import EventStreamJSONParser
from botocore.stub import ANY, Stubber
from botocore.validate import validate_parameters

REGION = "us-east-1"
AGENT_ID = "SUPERVISOR1"
ALIAS_ID = "ALIAS00001"
CUSTOMER = {"customer_id": "CUST001", "client_id": "09PF05VD"}


@functools.cache
def _session() -> Any:
    return boto3.session.Session()


def AWS(service: str) -> Any:  # noqa: N802 - reads like a constructor
    return _session().client(service, region_name=REGION)


# Event-stream frames, as Bedrock sends them (application/vnd.amazon.eventstream).


def _header(name: str, value: str) -> bytes:
    key, raw = name.encode(), value.encode()
    return struct.pack("!B", len(key)) + key + b"\x07" + struct.pack("!H", len(raw)) + raw  # 7: string


def frame(headers: dict[str, str], payload: dict[str, Any]) -> bytes:
    encoded_headers = b"".join(_header(name, value) for name, value in headers.items())
    body = json.dumps(payload).encode()
    prelude = struct.pack("!II", 12 + len(encoded_headers) + len(body) + 4, len(encoded_headers))
    message = prelude + struct.pack("!I", binascii.crc32(prelude)) + encoded_headers + body
    return message + struct.pack("!I", binascii.crc32(message))


def chunk(text: str) -> bytes:
    return frame(
        {":message-type": "event", ":event-type": "chunk", ":content-type": "application/json"},
        {"bytes": base64.b64encode(text.encode()).decode()},
    )


def trace() -> bytes:
    return frame(
        {":message-type": "event", ":event-type": "trace", ":content-type": "application/json"},
        {
            "agentId": AGENT_ID,
            "agentAliasId": ALIAS_ID,
            "sessionId": "s",
            "trace": {"orchestrationTrace": {"rationale": {"text": "The customer wants their projects."}}},
        },
    )


def exception(kind: str, message: str) -> bytes:
    return frame(
        {":message-type": "exception", ":exception-type": kind, ":content-type": "application/json"},
        {"message": message},
    )


class _RawStream:
    """What botocore's EventStream reads: the HTTP body, here split at odd places."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.closed = False

    def stream(self) -> Iterator[bytes]:
        for start in range(0, len(self._data), 37):
            yield self._data[start : start + 37]

    def close(self) -> None:
        self.closed = True


class EventStreamStubber(Stubber):
    """Stubber validates a response against the output shape, which it cannot do for an event
    stream member (it expects a dict): validate the other members, check the stream is a real
    botocore EventStream."""

    def _validate_operation_response(self, operation_name: str, service_response: dict[str, Any]) -> None:
        output = self.client.meta.service_model.operation_model(operation_name).output_shape
        stream = service_response.get("completion")
        assert isinstance(stream, EventStream)
        placeholder = {**service_response, "completion": {"chunk": {"bytes": b""}}}
        placeholder.pop("ResponseMetadata", None)
        validate_parameters(placeholder, output)


@pytest.fixture
def agent_client(pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A real bedrock-agent-runtime client the chat API gets from pf_actions.aws."""
    client = AWS("bedrock-agent-runtime")
    real = pf.aws.client
    monkeypatch.setattr(
        pf.aws, "client", lambda service, region=None: client if service == "bedrock-agent-runtime" else real(service)
    )
    return client


@pytest.fixture
def stubber(agent_client: Any) -> Iterator[EventStreamStubber]:
    with EventStreamStubber(agent_client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def completion(agent_client: Any, *frames: bytes) -> dict[str, Any]:
    """An InvokeAgent response whose completion stream carries `frames`."""
    shape = agent_client.meta.service_model.operation_model("InvokeAgent").output_shape.members["completion"]
    raw = _RawStream(b"".join(frames))
    return {
        "completion": EventStream(raw, shape, EventStreamJSONParser(), "InvokeAgent"),
        "contentType": "application/json",
        "sessionId": "unused-by-the-handler",
    }


def expected_call(message: str, session_id: Any = ANY) -> dict[str, Any]:
    return {
        "agentId": AGENT_ID,
        "agentAliasId": ALIAS_ID,
        "sessionId": session_id,
        "inputText": message,
        "enableTrace": False,
        "sessionState": {"sessionAttributes": dict(CUSTOMER)},
    }


@pytest.fixture
def chat_env(tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("SUPERVISOR_AGENT_ID", AGENT_ID)
    monkeypatch.setenv("SUPERVISOR_ALIAS_ID", ALIAS_ID)
    monkeypatch.setenv("ENVIRONMENT", "dev")
    return tables


def proxy_event(
    method: str, path: str, body: Any = None, query: dict[str, str] | None = None, raw_body: str | None = None
) -> dict[str, Any]:
    """An API Gateway REST proxy event (the fields the handler and Powertools read)."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"stage": "dev", "requestId": "r-1", "httpMethod": method, "path": f"/dev{path}"},
        "body": raw_body if raw_body is not None else (json.dumps(body) if body is not None else None),
        "isBase64Encoded": False,
    }


@pytest.fixture
def api(phase2: dict[str, ModuleType], fake_context: Any) -> Callable[..., tuple[int, Any, dict[str, Any]]]:
    """api(method, path, body=None, query=None) -> (status, decoded body or None, raw response)."""

    def run(method: str, path: str, body: Any = None, query: dict[str, str] | None = None, **kw: Any):
        response = phase2["chat_api"].lambda_handler(proxy_event(method, path, body, query, **kw), fake_context)
        assert_proxy_response(response)
        text = response.get("body")
        return response["statusCode"], json.loads(text) if text else None, response

    return run


def assert_proxy_response(response: Any) -> None:
    """The API Gateway proxy response contract."""
    assert isinstance(response, dict)
    json.dumps(response)
    status = response["statusCode"]
    assert type(status) is int and 200 <= status < 600
    assert response.get("isBase64Encoded") is False
    if status != 204:
        body = json.loads(response["body"])
        assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
        if status >= 400:
            assert body["statusCode"] == status and isinstance(body["message"], str) and body["message"]


def header(response: dict[str, Any], name: str) -> str | None:
    values = response.get("multiValueHeaders", {}).get(name) or []
    return values[0] if values else response.get("headers", {}).get(name)


def stored_turns(table: str, session_id: str) -> list[tuple[str, str]]:
    items = AWS("dynamodb").query(
        TableName=table,
        KeyConditionExpression="session_id = :s",
        ExpressionAttributeValues={":s": {"S": session_id}},
    )["Items"]
    return [(item["role"]["S"], item["text"]["S"]) for item in items]


def chat_body(message: str = "Which projects do I have?", **extra: Any) -> dict[str, Any]:
    return {**CUSTOMER, "message": message, **extra}


@pytest.mark.usefixtures("chat_env")
class TestChat:
    def test_a_new_chat_streams_the_answer_and_stores_both_turns(
        self,
        api: Callable[..., Any],
        stubber: EventStreamStubber,
        agent_client: Any,
        chat_env: dict[str, str],
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
    ) -> None:
        stubber.add_response(
            "invoke_agent",
            completion(agent_client, trace(), chunk("You have two projects: "), trace(), chunk("Flooring and Deck ✓.")),
            expected_call("Which projects do I have?"),
        )
        status, body, _ = api("POST", "/chat", chat_body())
        assert status == 200, body
        assert body["answer"] == "You have two projects: Flooring and Deck ✓."
        session_id = body["session_id"]
        assert uuid.UUID(session_id).version == 4

        turns = stored_turns(chat_env["CONVERSATION_TABLE"], session_id)
        assert turns == [("user", "Which projects do I have?"), ("assistant", body["answer"])]
        items = AWS("dynamodb").query(
            TableName=chat_env["CONVERSATION_TABLE"],
            KeyConditionExpression="session_id = :s",
            ExpressionAttributeValues={":s": {"S": session_id}},
        )["Items"]
        asked, answered = (int(item["timestamp"]["N"]) for item in items)
        assert answered > asked > 1_600_000_000_000  # epoch milliseconds, assistant after user
        assert int(items[0]["expires_at"]["N"]) == asked // 1000 + 30 * 86400

        session = AWS("dynamodb").get_item(
            TableName=chat_env["SESSION_TABLE"], Key={"session_id": {"S": session_id}}
        )["Item"]
        assert (session["customer_id"]["S"], session["client_id"]["S"]) == ("CUST001", "09PF05VD")
        assert session["created_at"] == session["updated_at"]
        assert int(session["expires_at"]["N"]) == int(session["updated_at"]["N"]) + 30 * 86400

        records = helpers.emf_records(capsys.readouterr().out)
        assert sorted(name for r in records for name in r if name.startswith("Agent")) == [
            "AgentInvocationCount",
            "AgentResponseTime",
        ]
        for record in records:
            assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PF/Bedrock"
            assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Environment"]]

    def test_a_continued_chat_keeps_the_session(
        self, api: Callable[..., Any], stubber: EventStreamStubber, agent_client: Any, chat_env: dict[str, str]
    ) -> None:
        session_id = str(uuid.uuid4())
        for answer in ("First answer.", "Second answer."):
            stubber.add_response(
                "invoke_agent", completion(agent_client, chunk(answer)), expected_call("Hello", session_id)
            )
            status, body, _ = api("POST", "/chat", chat_body("Hello", session_id=session_id.upper()))
            assert (status, body) == (200, {"session_id": session_id, "answer": answer})
        assert [text for role, text in stored_turns(chat_env["CONVERSATION_TABLE"], session_id)] == [
            "Hello",
            "First answer.",
            "Hello",
            "Second answer.",
        ]

    def test_another_customers_session_is_403_and_the_agent_is_not_called(
        self, api: Callable[..., Any], stubber: EventStreamStubber, agent_client: Any
    ) -> None:
        stubber.add_response("invoke_agent", completion(agent_client, chunk("Hi")))
        _, body, _ = api("POST", "/chat", chat_body("Hi"))
        for intruder in ({"customer_id": "CUST002"}, {"client_id": "OTHERCLIENT"}):
            status, answer, _ = api("POST", "/chat", {**chat_body("Hi"), **intruder, "session_id": body["session_id"]})
            assert status == 403 and answer["message"] == "This session belongs to another customer."

    @pytest.mark.parametrize(
        ("stream", "status", "metric"),
        [
            ([chunk("Let me check "), exception("throttlingException", "Rate exceeded")], 429, None),
            ([exception("validationException", "Invalid sessionAttributes")], 502, "SessionAttributeFailures"),
            ([exception("dependencyFailedException", "Lambda action failed")], 502, None),
            ([exception("accessDeniedException", "Not authorized")], 502, None),
            ([trace()], 502, None),  # no text at all
        ],
        ids=["throttling", "validation", "dependency-failed", "access-denied", "no-answer"],
    )
    def test_errors_inside_the_stream(
        self,
        api: Callable[..., Any],
        stubber: EventStreamStubber,
        agent_client: Any,
        chat_env: dict[str, str],
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
        stream: list[bytes],
        status: int,
        metric: str | None,
    ) -> None:
        response = completion(agent_client, *stream)
        stubber.add_response("invoke_agent", response)
        got, body, raw = api("POST", "/chat", chat_body())
        assert got == status
        if status == 429:
            assert header(raw, "Retry-After") == "5"
        else:
            assert body["message"] == "The assistant could not answer right now. Please try again later."
            assert "Invalid" not in body["message"] and "Lambda" not in body["message"]  # generic
        assert response["completion"]._raw_stream.closed  # the HTTP body is released
        emitted = helpers.emitted(capsys.readouterr().out)
        assert emitted.get("AgentInvocationCount") == 1.0 and "AgentResponseTime" not in emitted
        assert emitted.get("SessionAttributeFailures") == (1.0 if metric else None)
        assert "LambdaErrors" not in emitted
        session_items = AWS("dynamodb").scan(TableName=chat_env["CONVERSATION_TABLE"])["Items"]
        assert session_items == []  # no half conversation stored

    @pytest.mark.parametrize(
        ("code", "http", "status", "metric"),
        [
            ("ThrottlingException", 429, 429, None),
            ("ServiceQuotaExceededException", 400, 429, None),
            ("ValidationException", 400, 502, "SessionAttributeFailures"),
            ("ResourceNotFoundException", 404, 502, None),
            ("AccessDeniedException", 403, 502, None),
        ],
    )
    def test_errors_of_the_call_itself(
        self,
        api: Callable[..., Any],
        stubber: EventStreamStubber,
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
        code: str,
        http: int,
        status: int,
        metric: str | None,
    ) -> None:
        stubber.add_client_error("invoke_agent", service_error_code=code, service_message="nope", http_status_code=http)
        got, body, raw = api("POST", "/chat", chat_body())
        assert got == status
        assert (header(raw, "Retry-After") == "5") is (status == 429)
        assert helpers.emitted(capsys.readouterr().out).get("SessionAttributeFailures") == (1.0 if metric else None)

    def test_a_read_timeout_is_504(self, api: Callable[..., Any], agent_client: Any, monkeypatch: Any) -> None:
        from botocore.exceptions import ReadTimeoutError

        def slow(**_: Any) -> Any:
            raise ReadTimeoutError(endpoint_url="https://bedrock-agent-runtime")

        monkeypatch.setattr(agent_client, "invoke_agent", slow)
        assert api("POST", "/chat", chat_body())[0] == 504

    def test_a_storage_failure_after_the_answer_still_answers(
        self,
        api: Callable[..., Any],
        stubber: EventStreamStubber,
        agent_client: Any,
        monkeypatch: pytest.MonkeyPatch,
        pf: SimpleNamespace,
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
    ) -> None:
        stubber.add_response("invoke_agent", completion(agent_client, chunk("Booked.")))

        def broken(*_: Any, **__: Any) -> None:
            raise RuntimeError("table gone")

        monkeypatch.setattr(pf.conversations.ConversationStore, "record_exchange", broken)
        status, body, _ = api("POST", "/chat", chat_body())
        assert (status, body["answer"]) == (200, "Booked.")
        assert helpers.emitted(capsys.readouterr().out)["LambdaErrors"] == 1.0

    def test_table_throttling_is_429(
        self, api: Callable[..., Any], pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from botocore.exceptions import ClientError

        def throttled(*_: Any, **__: Any) -> None:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "UpdateItem")

        monkeypatch.setattr(pf.conversations.ConversationStore, "claim", throttled)
        status, _, raw = api("POST", "/chat", chat_body())
        assert status == 429 and header(raw, "Retry-After") == "5"

    def test_an_unexpected_error_is_a_logged_generic_500(
        self,
        api: Callable[..., Any],
        pf: SimpleNamespace,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
        capture_logs: Callable[..., Any],
    ) -> None:
        def explode(*_: Any, **__: Any) -> None:
            raise RuntimeError("secret detail 9f8e")

        monkeypatch.setattr(pf.conversations.ConversationStore, "claim", explode)
        with capture_logs(own_only=True) as logs:
            status, body, raw = api("POST", "/chat", chat_body())
        assert status == 500 and "9f8e" not in json.dumps(raw)
        assert body["message"] == "Something went wrong on our side. Please try again later."
        (record,) = [json.loads(line) for line in logs.records if "Unexpected error in chat API" in line]
        assert record["level"] == "ERROR" and "RuntimeError: secret detail 9f8e" in record["exception"]
        assert helpers.emitted(capsys.readouterr().out) == {"LambdaErrors": 1.0}

    def test_missing_configuration_is_a_500_without_touching_the_agent(
        self,
        api: Callable[..., Any],
        stubber: EventStreamStubber,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
    ) -> None:
        monkeypatch.delenv("SUPERVISOR_ALIAS_ID")
        assert api("POST", "/chat", chat_body())[0] == 500
        assert helpers.emitted(capsys.readouterr().out) == {"LambdaErrors": 1.0}

    def test_session_idle_days_sets_the_session_ttl(
        self,
        api: Callable[..., Any],
        stubber: EventStreamStubber,
        agent_client: Any,
        chat_env: dict[str, str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        AWS("ssm").put_parameter(Name="/pf/dev/scheduling/session_idle_days", Value="7", Type="String")
        monkeypatch.setenv("SETTINGS_PARAMETER_PATH", "/pf/dev/scheduling/")
        stubber.add_response("invoke_agent", completion(agent_client, chunk("Hi")))
        session_id = api("POST", "/chat", chat_body())[1]["session_id"]
        item = AWS("dynamodb").get_item(TableName=chat_env["SESSION_TABLE"], Key={"session_id": {"S": session_id}})
        session = item["Item"]
        assert int(session["expires_at"]["N"]) - int(session["updated_at"]["N"]) == 7 * 86400


@pytest.mark.usefixtures("chat_env")
class TestValidation:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"client_id": "09PF05VD", "message": "hi"}, "body.customer_id"),
            ({**CUSTOMER, "customer_id": "cust001", "message": "hi"}, "body.customer_id"),
            ({**CUSTOMER, "customer_id": "C1", "message": "hi"}, "body.customer_id"),
            ({**CUSTOMER, "customer_id": 1001, "message": "hi"}, "body.customer_id"),
            ({**CUSTOMER, "client_id": "09PF 05VD", "message": "hi"}, "body.client_id"),
            ({**CUSTOMER, "client_id": "x" * 65, "message": "hi"}, "body.client_id"),
            ({**CUSTOMER, "message": ""}, "body.message"),
            ({**CUSTOMER, "message": "   \n"}, "body.message"),
            ({**CUSTOMER, "message": "x" * 2001}, "body.message"),
            ({**CUSTOMER, "message": "hi", "session_id": "not-a-uuid"}, "body.session_id"),
            ({**CUSTOMER, "message": "hi", "session_id": str(uuid.uuid1())}, "body.session_id"),
        ],
    )
    def test_invalid_bodies_are_422_naming_the_field(
        self, api: Callable[..., Any], body: dict[str, Any], field: str
    ) -> None:
        status, answer, _ = api("POST", "/chat", body)
        assert status == 422
        assert field in [detail["field"] for detail in answer["details"]]
        assert "x" * 65 not in json.dumps(answer)  # reasons, not the values

    def test_a_2000_character_message_is_accepted(
        self, api: Callable[..., Any], stubber: EventStreamStubber, agent_client: Any
    ) -> None:
        stubber.add_response("invoke_agent", completion(agent_client, chunk("OK")))
        assert api("POST", "/chat", chat_body("é" * 2000))[0] == 200

    @pytest.mark.parametrize("raw", ["{not json", "[]", '"text"', "null", ""])
    def test_unusable_json_is_422(self, api: Callable[..., Any], raw: str) -> None:
        assert api("POST", "/chat", raw_body=raw)[0] == 422

    @pytest.mark.parametrize(
        "event",
        [
            None,
            [],
            "GET /health",
            {},
            {"httpMethod": "GET"},
            {"httpMethod": "GET", "path": "health"},
            {"httpMethod": 7, "path": "/health"},
            {"httpMethod": "GET", "path": "/health", "headers": ["x"]},
            {"httpMethod": "GET", "path": "/health", "queryStringParameters": {"a": 1}},
            {"httpMethod": "POST", "path": "/chat", "body": "%%%", "isBase64Encoded": True},
            {"httpMethod": "POST", "path": "/chat", "body": base64.b64encode(b"\xff\xfe").decode(),
             "isBase64Encoded": True},
        ],
    )
    def test_malformed_events_are_400(self, phase2: dict[str, ModuleType], event: Any) -> None:
        response = phase2["chat_api"].lambda_handler(event, None)
        assert_proxy_response(response)
        assert response["statusCode"] == 400

    def test_a_base64_body_is_decoded(
        self, phase2: dict[str, ModuleType], stubber: EventStreamStubber, agent_client: Any
    ) -> None:
        stubber.add_response("invoke_agent", completion(agent_client, chunk("Decoded.")))
        event = proxy_event("POST", "/chat", raw_body=base64.b64encode(json.dumps(chat_body()).encode()).decode())
        event["isBase64Encoded"] = True
        response = phase2["chat_api"].lambda_handler(event, None)
        assert response["statusCode"] == 200 and json.loads(response["body"])["answer"] == "Decoded."

    def test_unknown_routes_and_methods_are_404(self, api: Callable[..., Any]) -> None:
        for method, path in (("GET", "/nowhere"), ("PUT", "/chat"), ("GET", "/chat"), ("POST", "/health")):
            status, body, _ = api(method, path)
            assert status == 404 and body["message"] == "No such resource."


class TestHealth:
    def test_health_needs_no_aws_and_no_configuration(
        self, api: Callable[..., Any], pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def no_aws(*_: Any, **__: Any) -> Any:
            raise AssertionError("health must not call AWS")

        monkeypatch.setattr(pf.aws, "client", no_aws)
        assert api("GET", "/health")[:2] == (200, {"status": "ok"})


@pytest.mark.usefixtures("chat_env")
class TestSessions:
    @pytest.fixture
    def session_id(self, api: Callable[..., Any], stubber: EventStreamStubber, agent_client: Any) -> str:
        for answer in ("One.", "Two."):
            stubber.add_response("invoke_agent", completion(agent_client, chunk(answer)))
        first = api("POST", "/chat", chat_body("First?"))[1]["session_id"]
        api("POST", "/chat", chat_body("Second?", session_id=first))
        return first

    def test_get_returns_the_session_and_its_turns_in_order(self, api: Callable[..., Any], session_id: str) -> None:
        status, body, _ = api("GET", f"/sessions/{session_id}", query={"customer_id": "CUST001"})
        assert status == 200
        assert (body["session_id"], body["customer_id"], body["client_id"]) == (session_id, "CUST001", "09PF05VD")
        assert [(t["role"], t["text"]) for t in body["turns"]] == [
            ("user", "First?"),
            ("assistant", "One."),
            ("user", "Second?"),
            ("assistant", "Two."),
        ]
        assert body["truncated"] is False
        assert [t["timestamp"] for t in body["turns"]] == sorted(t["timestamp"] for t in body["turns"])

    def test_get_returns_at_most_the_newest_turns(
        self, api: Callable[..., Any], session_id: str, phase2: dict[str, ModuleType], monkeypatch: Any
    ) -> None:
        monkeypatch.setattr(phase2["chat_api"], "MAX_TURNS_RETURNED", 3)
        body = api("GET", f"/sessions/{session_id}", query={"customer_id": "CUST001"})[1]
        assert [t["text"] for t in body["turns"]] == ["One.", "Second?", "Two."] and body["truncated"] is True

    def test_other_customers_get_403_unknown_sessions_404(self, api: Callable[..., Any], session_id: str) -> None:
        for method in ("GET", "DELETE"):
            assert api(method, f"/sessions/{session_id}", query={"customer_id": "CUST002"})[0] == 403
            assert api(method, f"/sessions/{uuid.uuid4()}", query={"customer_id": "CUST001"})[0] == 404
            assert api(method, f"/sessions/{session_id}")[0] == 422  # customer_id is required
            assert api(method, "/sessions/not-a-uuid", query={"customer_id": "CUST001"})[0] == 422

    def test_delete_removes_the_session_and_its_turns(
        self, api: Callable[..., Any], session_id: str, chat_env: dict[str, str]
    ) -> None:
        status, body, raw = api("DELETE", f"/sessions/{session_id}", query={"customer_id": "CUST001"})
        assert (status, body) == (204, None)
        assert stored_turns(chat_env["CONVERSATION_TABLE"], session_id) == []
        assert api("GET", f"/sessions/{session_id}", query={"customer_id": "CUST001"})[0] == 404

    def test_the_identity_hook_decides_who_the_caller_is(
        self, api: Callable[..., Any], session_id: str, phase2: dict[str, ModuleType], monkeypatch: Any
    ) -> None:
        """The Cognito phase replaces authenticated_customer_id(); every route goes through it."""
        monkeypatch.setattr(phase2["chat_api"], "authenticated_customer_id", lambda claimed: "CUST999")
        assert api("GET", f"/sessions/{session_id}", query={"customer_id": "CUST001"})[0] == 403
        assert api("POST", "/chat", chat_body("Hi", session_id=session_id))[0] == 403


class TestCors:
    @pytest.mark.parametrize(
        ("allowed", "origin", "expected"),
        [
            ("https://chat.example.com,https://admin.example.com", "https://admin.example.com",
             "https://admin.example.com"),
            ("https://chat.example.com", "https://evil.example.com", None),
            ("*", "https://anyone.example.com", "*"),
            ("", "https://chat.example.com", None),
        ],
    )
    def test_allowed_origins_get_the_headers(
        self,
        phase2: dict[str, ModuleType],
        monkeypatch: pytest.MonkeyPatch,
        allowed: str,
        origin: str,
        expected: str | None,
    ) -> None:
        monkeypatch.setenv("CORS_ALLOW_ORIGINS", allowed)
        event = proxy_event("GET", "/health")
        event["headers"]["origin"] = origin  # any case: HTTP/2 clients send lower case
        response = phase2["chat_api"].lambda_handler(event, None)
        assert header(response, "Access-Control-Allow-Origin") == expected
        if expected and expected != "*":
            assert header(response, "Vary") == "Origin"
        if expected:
            assert header(response, "Access-Control-Expose-Headers") == "Retry-After"

    def test_errors_built_without_powertools_get_them_too(
        self, phase2: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://chat.example.com")
        event = {"httpMethod": "GET", "path": "no-slash", "headers": {"Origin": "https://chat.example.com"}}
        response = phase2["chat_api"].lambda_handler(event, None)
        assert response["statusCode"] == 400
        assert header(response, "Access-Control-Allow-Origin") == "https://chat.example.com"


# -- enterprise phase: the identity comes from the Cognito ID token --------------------------
def with_claims(event: dict[str, Any], **claims: str) -> dict[str, Any]:
    """What API Gateway passes after its Cognito user-pool authorizer accepted the token."""
    event["requestContext"]["authorizer"] = {"claims": {"sub": "sub-1", "email": "ana@example.com",
                                                        **claims}}
    return event


TOKEN = {"custom:customer_id": "CUST001", "custom:client_id": "09PF05VD"}


@pytest.mark.usefixtures("chat_env")
class TestCognitoIdentity:
    @pytest.fixture(autouse=True)
    def _cognito(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AUTH_MODE", "cognito")

    @pytest.fixture
    def call(self, phase2: dict[str, ModuleType], fake_context: Any) -> Callable[..., Any]:
        def run(method: str, path: str, body: Any = None, query: dict[str, str] | None = None,
                claims: dict[str, str] | None = TOKEN) -> tuple[int, Any]:
            event = proxy_event(method, path, body, query)
            if claims is not None:
                with_claims(event, **claims)
            response = phase2["chat_api"].lambda_handler(event, fake_context)
            assert_proxy_response(response)
            return response["statusCode"], json.loads(response["body"]) if response.get("body") else None
        return run

    def test_chat_takes_the_customer_and_client_from_the_token(
        self, call: Callable[..., Any], stubber: EventStreamStubber, agent_client: Any
    ) -> None:
        stubber.add_response("invoke_agent", completion(agent_client, chunk("Hello.")),
                             expected_call("Hi"))  # session attributes = the token's claims
        status, body = call("POST", "/chat", {"message": "Hi"})
        assert (status, body["answer"]) == (200, "Hello.")
        assert call("GET", f"/sessions/{body['session_id']}")[1]["customer_id"] == "CUST001"

    def test_stating_the_same_identity_is_fine_another_is_refused(
        self, call: Callable[..., Any], stubber: EventStreamStubber, agent_client: Any
    ) -> None:
        stubber.add_response("invoke_agent", completion(agent_client, chunk("Hello.")),
                             expected_call("Hi"))
        assert call("POST", "/chat", chat_body("Hi"))[0] == 200
        assert call("POST", "/chat", chat_body("Hi", customer_id="CUST002"))[0] == 403
        assert call("POST", "/chat", {"message": "Hi", "client_id": "OTHER"})[0] == 403
        assert call("GET", f"/sessions/{uuid.uuid4()}", query={"customer_id": "CUST002"})[0] == 403

    def test_sessions_of_another_customer_stay_forbidden(
        self, call: Callable[..., Any], stubber: EventStreamStubber, agent_client: Any
    ) -> None:
        stubber.add_response("invoke_agent", completion(agent_client, chunk("Hello.")))
        session_id = call("POST", "/chat", {"message": "Hi"})[1]["session_id"]
        other = {**TOKEN, "custom:customer_id": "CUST002"}
        assert call("GET", f"/sessions/{session_id}", claims=other)[0] == 403
        assert call("DELETE", f"/sessions/{session_id}", claims=other)[0] == 403
        assert call("DELETE", f"/sessions/{session_id}")[0] == 204

    @pytest.mark.parametrize("claims", [None, {}, {"custom:customer_id": "CUST001"},
                                        {**TOKEN, "custom:customer_id": "lower-case"}])
    def test_a_token_without_a_valid_identity_is_refused(
        self, call: Callable[..., Any], claims: dict[str, str] | None
    ) -> None:
        assert call("POST", "/chat", {"message": "Hi"}, claims=claims)[0] == 401
        assert call("GET", f"/sessions/{uuid.uuid4()}", claims=claims)[0] == 401

    def test_health_stays_open(self, call: Callable[..., Any]) -> None:
        assert call("GET", "/health", claims=None) == (200, {"status": "ok"})

    def test_without_auth_mode_claims_are_ignored(
        self, call: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Phase 2 keeps stating the customer: a body without it is still invalid."""
        monkeypatch.delenv("AUTH_MODE")
        assert call("POST", "/chat", {"message": "Hi"})[0] == 422
