"""Sessions (create, read, expire, health) and POST /chat against moto's DynamoDB and a local
chat completion server: ownership, history, sliding expiry, CORS, and upstream failures
(timeouts, 401, 429, 5xx then success) that never store half a turn."""

from __future__ import annotations

import json
import time

import pytest
from boto3.dynamodb.conditions import Key
from hypothesis import HealthCheck, given, settings, strategies as st

COMPLETIONS = "/v1/chat/completions"


def answer(text: str) -> dict:
    return {"id": "c1", "choices": [{"index": 0, "message": {"role": "assistant",
                                                              "content": text}}]}


@pytest.fixture
def api(aws, chatbot_handlers, kit):
    def call(function: str, method: str, resource: str, **kwargs) -> tuple[int, object, dict]:
        result = getattr(chatbot_handlers, function).lambda_handler(
            kit.proxy_event(method, resource, **kwargs))
        return result["statusCode"], kit.body_of(result), result["headers"]
    return call


@pytest.fixture
def session(api) -> str:
    status, body, _ = api("sessions", "POST", "/sessions", body={"title": "Order help"})
    assert status == 201
    return body["sessionId"]


def history(aws, kit, session_id: str) -> list[dict]:
    table = aws.resource.Table(kit.TABLES["HISTORY_TABLE"])
    return table.query(KeyConditionExpression=Key("sessionId").eq(session_id))["Items"]


def test_health_is_constant(api):
    status, body, headers = api("sessions", "GET", "/health", user=None)
    assert (status, body) == (200, {"status": "ok"})
    assert headers["Cache-Control"] == "no-store"


def test_create_read_and_expire_a_session(api, aws, kit, session):
    status, body, _ = api("sessions", "GET", "/sessions/{session_id}",
                          path_parameters={"session_id": session})
    assert status == 200 and body["status"] == "active" and body["title"] == "Order help"
    assert 0 < body["expiresAt"] - time.time() <= 24 * 3600
    item = aws.resource.Table(kit.TABLES["SESSIONS_TABLE"]).get_item(
        Key={"sessionId": session})["Item"]
    assert item["userId"] == "user-1"
    assert api("sessions", "DELETE", "/sessions/{session_id}",
               path_parameters={"session_id": session})[0] == 204
    for method in ("GET", "DELETE"):
        assert api("sessions", method, "/sessions/{session_id}",
                   path_parameters={"session_id": session})[0] == 404


def test_another_users_session_does_not_exist_for_the_caller(api, session):
    for method in ("GET", "DELETE"):
        status, body, _ = api("sessions", method, "/sessions/{session_id}", user="user-2",
                              path_parameters={"session_id": session})
        assert status == 404 and body["error"] == "not_found"
    assert api("chat", "POST", "/chat", user="user-2",
               body={"sessionId": session, "message": "hi"})[0] == 404


def test_a_session_past_its_expiry_is_gone(api, aws, kit, session):
    aws.resource.Table(kit.TABLES["SESSIONS_TABLE"]).update_item(
        Key={"sessionId": session}, UpdateExpression="SET expiresAt = :t",
        ExpressionAttributeValues={":t": int(time.time()) - 1})
    assert api("sessions", "GET", "/sessions/{session_id}",
               path_parameters={"session_id": session})[0] == 404


@pytest.mark.parametrize("body", ["not json", "[1]", json.dumps({"title": 5}),
                                  json.dumps({"title": "x", "admin": True})])
def test_bad_session_bodies_are_400(api, body):
    assert api("sessions", "POST", "/sessions", body=body)[0] == 400


def test_cors_header_only_for_allowed_origins(api):
    assert api("sessions", "GET", "/health", user=None, origin="http://localhost:3000")[2][
        "Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "Access-Control-Allow-Origin" not in api(
        "sessions", "GET", "/health", user=None, origin="https://evil.example.com")[2]


def test_chat_asks_the_model_and_keeps_the_history(api, aws, kit, remote, session):
    remote.script(COMPLETIONS, kit.Reply(200, answer("Hello! How can I help?")),
                  kit.Reply(200, answer("Your order ships tomorrow.")))
    status, body, _ = api("chat", "POST", "/chat", body={"sessionId": session, "message": "Hi"})
    assert status == 200 and body["reply"] == "Hello! How can I help?"
    status, body, _ = api("chat", "POST", "/chat",
                          body={"sessionId": session, "message": "Where is my order?"})
    assert body["reply"] == "Your order ships tomorrow."
    first, second = (json.loads(r.body) for r in remote.calls(COMPLETIONS))
    assert first["model"] == "gpt-test" and first["max_tokens"] == 64
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert [m["content"] for m in second["messages"][1:]] == [
        "Hi", "Hello! How can I help?", "Where is my order?"]
    assert remote.calls(COMPLETIONS)[0].headers["Authorization"] == "Bearer sk-test"
    items = history(aws, kit, session)
    assert [i["role"] for i in items] == ["user", "assistant", "user", "assistant"]
    assert all(i["userId"] == "user-1" and i["expiresAt"] > time.time() + 6 * 86400
               for i in items)
    by_user = aws.resource.Table(kit.TABLES["HISTORY_TABLE"]).query(
        IndexName="UserSessionIndex", KeyConditionExpression=Key("userId").eq("user-1"))
    assert by_user["Count"] == 4


@pytest.mark.parametrize("failures", [
    [500], [502, 503], [429], [200],  # 200 here: a reply too slow, i.e. a timeout
])
def test_transient_failures_then_success(api, aws, kit, remote, session, failures):
    replies = [kit.Reply(200, answer("late"), delay=1.0) if s == 200 else kit.Reply(s)
               for s in failures]
    remote.script(COMPLETIONS, *replies, kit.Reply(200, answer("fine")))
    status, body, _ = api("chat", "POST", "/chat", body={"sessionId": session, "message": "?"})
    assert (status, body["reply"]) == (200, "fine")
    assert len(remote.calls(COMPLETIONS)) == len(failures) + 1
    assert len(history(aws, kit, session)) == 2


@pytest.mark.parametrize("reply, status", [
    (dict(status=500), 503), (dict(status=429), 503), (dict(status=200, delay=1.0), 504),
    (dict(status=400), 502), (dict(status=200, body={"choices": []}), 502),
    (dict(status=401), 502)])
def test_upstream_failures_answer_5xx_and_store_nothing(api, aws, kit, remote, session, reply,
                                                        status):
    remote.script(COMPLETIONS, kit.Reply(**reply))
    got, body, _ = api("chat", "POST", "/chat", body={"sessionId": session, "message": "?"})
    assert got == status and body["error"].startswith("upstream")
    assert history(aws, kit, session) == []


def test_a_401_rereads_the_api_key_once(api, aws, kit, remote, session):
    remote.script(COMPLETIONS, kit.Reply(200, answer("first")), kit.Reply(401),
                  kit.Reply(200, answer("after the new key")))
    assert api("chat", "POST", "/chat", body={"sessionId": session, "message": "?"})[0] == 200
    # The operator replaces the key; the container still holds the old one in its cache.
    aws.manager.put_secret_value(SecretId=aws.arns["openai"],
                                 SecretString=json.dumps({"api_key": "sk-new"}))
    status, body, _ = api("chat", "POST", "/chat", body={"sessionId": session, "message": "?"})
    assert (status, body["reply"]) == (200, "after the new key")
    keys = [r.headers["Authorization"] for r in remote.calls(COMPLETIONS)]
    assert keys == ["Bearer sk-test", "Bearer sk-test", "Bearer sk-new"]


def test_bad_chat_requests(api, session):
    for body in ({"sessionId": session}, {"sessionId": session, "message": ""},
                 {"sessionId": session, "message": "x" * 4001}, "nope"):
        assert api("chat", "POST", "/chat", body=body)[0] == 400
    assert api("chat", "POST", "/chat", body={"sessionId": "../x", "message": "hi"})[0] == 404


def test_an_unauthenticated_event_never_reaches_data(api, aws, kit):
    status, body, _ = api("sessions", "POST", "/sessions", user=None, body={})
    assert status == 500 and body["error"] == "internal_error"
    assert aws.resource.Table(kit.TABLES["SESSIONS_TABLE"]).scan()["Count"] == 0


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(st.text(max_size=300), st.dictionaries(
    st.sampled_from(["sessionId", "message", "x"]),
    st.one_of(st.none(), st.integers(), st.text(max_size=50)), max_size=3).map(json.dumps)))
def test_chat_fuzz_never_crashes_and_never_calls_the_model_for_bad_input(api, remote, body):
    status, answer_body, headers = api("chat", "POST", "/chat", body=body)
    assert status in (400, 404) and answer_body["error"] in ("bad_request", "not_found")
    assert headers["Content-Type"] == "application/json"
    assert remote.calls(COMPLETIONS) == []
