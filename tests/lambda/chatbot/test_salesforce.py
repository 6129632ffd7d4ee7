"""Salesforce lookups against a local server standing in for the org: the client-credentials
token flow with token caching, the read-through cache table, a 401 that renews the token
once, 429/5xx then success, timeouts, and input checked before any call."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import pytest

TOKEN = "/services/oauth2/token"
ACCOUNT_ID = "001000000000001AAA"
RECORD = f"/services/data/v61.0/sobjects/Account/{ACCOUNT_ID}"


def account(name: str = "Acme") -> dict:
    return {"attributes": {"type": "Account"}, "Id": ACCOUNT_ID, "Name": name,
            "Industry": "Retail", "Type": "Customer", "Phone": "555", "Website": None,
            "BillingCity": "Austin"}


@pytest.fixture
def lookup(aws, chatbot_handlers, kit):
    def call(object_type: str = "Account", record_id: str = ACCOUNT_ID) -> tuple[int, dict]:
        result = chatbot_handlers.salesforce.lambda_handler(kit.proxy_event(
            "GET", "/salesforce/{object_type}/{record_id}",
            path_parameters={"object_type": object_type, "record_id": record_id}))
        return result["statusCode"], kit.body_of(result)
    return call


def token_reply(kit, value: str = "tok-1", **extra):
    return kit.Reply(200, {"access_token": value, "instance_url": "https://x.my.salesforce.com",
                           "token_type": "Bearer", **extra})


def test_miss_fetches_with_a_client_credentials_token_then_serves_from_cache(
        lookup, aws, kit, remote):
    remote.script(TOKEN, token_reply(kit))
    remote.script(RECORD, kit.Reply(200, account()))
    status, body = lookup()
    assert status == 200 and body["cached"] is False
    assert body["record"]["Name"] == "Acme" and "attributes" not in body["record"]
    (token_call,) = remote.calls(TOKEN)
    assert token_call.method == "POST" and parse_qs(token_call.body.decode()) == {
        "grant_type": ["client_credentials"], "client_id": ["cid"],
        "client_secret": ["csecret"]}
    (record_call,) = remote.calls(RECORD)
    assert record_call.headers["Authorization"] == "Bearer tok-1"
    assert "fields=Id%2CName" in record_call.path
    item = aws.resource.Table(kit.TABLES["CACHE_TABLE"]).get_item(
        Key={"key": f"Account:{ACCOUNT_ID}"})["Item"]
    assert 0 < int(item["ttl"]) - time.time() <= 900
    assert json.loads(item["record"])["Name"] == "Acme"
    assert lookup() == (200, {"record": body["record"], "cached": True})
    assert len(remote.requests) == 2  # the second lookup made no HTTP call


def test_the_token_is_reused_until_it_expires(lookup, kit, remote):
    other = "/services/data/v61.0/sobjects/Contact/003000000000001"
    remote.script(TOKEN, token_reply(kit))
    remote.script(RECORD, kit.Reply(200, account()))
    remote.script(other, kit.Reply(200, {"Id": "003000000000001", "Name": "Ann"}))
    assert lookup()[0] == 200 and lookup("Contact", "003000000000001")[0] == 200
    assert len(remote.calls(TOKEN)) == 1


def test_an_expired_cache_item_is_a_miss(lookup, aws, kit, remote):
    aws.resource.Table(kit.TABLES["CACHE_TABLE"]).put_item(Item={
        "key": f"Account:{ACCOUNT_ID}", "record": json.dumps({"Name": "Old"}),
        "ttl": int(time.time()) - 5})
    remote.script(TOKEN, token_reply(kit))
    remote.script(RECORD, kit.Reply(200, account("New")))
    status, body = lookup()
    assert body["record"]["Name"] == "New" and body["cached"] is False


def test_a_401_renews_the_token_once(lookup, kit, remote):
    remote.script(TOKEN, token_reply(kit, "tok-old"), token_reply(kit, "tok-new"))
    remote.script(RECORD, kit.Reply(401), kit.Reply(200, account()))
    assert lookup()[0] == 200
    assert [c.headers["Authorization"] for c in remote.calls(RECORD)] == [
        "Bearer tok-old", "Bearer tok-new"]


def test_a_second_401_is_an_upstream_error(lookup, kit, remote):
    remote.script(TOKEN, token_reply(kit))
    remote.script(RECORD, kit.Reply(401))
    status, body = lookup()
    assert status == 502 and body["error"] == "upstream_unauthorized"
    assert len(remote.calls(TOKEN)) == 2 and len(remote.calls(RECORD)) == 2


@pytest.mark.parametrize("first", [429, 500, 503, "timeout"])
def test_transient_failures_then_success(lookup, kit, remote, first):
    remote.script(TOKEN, token_reply(kit))
    failing = kit.Reply(200, account(), delay=1.0) if first == "timeout" else kit.Reply(first)
    remote.script(RECORD, failing, kit.Reply(200, account()))
    assert lookup()[0] == 200 and len(remote.calls(RECORD)) == 2


@pytest.mark.parametrize("where, reply, status", [
    (RECORD, dict(status=503), 503), (RECORD, dict(status=200, delay=1.0), 504),
    (RECORD, dict(status=404, body=[{"errorCode": "NOT_FOUND"}]), 404),
    (TOKEN, dict(status=400, body={"error": "invalid_client"}), 502),
    (TOKEN, dict(status=200, body={"token_type": "Bearer"}), 502)])
def test_failures_answer_without_caching(lookup, aws, kit, remote, where, reply, status):
    remote.script(TOKEN, token_reply(kit))
    remote.script(RECORD, kit.Reply(200, account()))
    remote.scripts[where].clear()
    remote.script(where, kit.Reply(**reply))
    assert lookup()[0] == status
    assert aws.resource.Table(kit.TABLES["CACHE_TABLE"]).scan()["Count"] == 0


@pytest.mark.parametrize("object_type, record_id", [
    ("User", ACCOUNT_ID), ("Account", "001"), ("Account", "../../services/x"),
    ("account", ACCOUNT_ID), ("Account", ACCOUNT_ID + "X")])
def test_input_is_checked_before_any_call(lookup, remote, object_type, record_id):
    status, body = lookup(object_type, record_id)
    assert status == 400 and body["error"] == "bad_request" and remote.requests == []


def test_missing_credentials_are_a_logged_500(lookup, aws, remote):
    aws.manager.put_secret_value(SecretId=aws.arns["salesforce"],
                                 SecretString=json.dumps({"client_id": "cid"}))
    assert lookup()[0] == 500 and remote.requests == []
