"""`dev-chatbot` on the emulator, applied by the session's CLI apply with the other dev stacks:
every resource applied (nothing in the stack needs skipping), a second plan that shows no
changes, and what the emulator now holds."""

from __future__ import annotations

import json

import pytest

from modules.backend import load_backend_settings

pytestmark = pytest.mark.integration

STACK = "dev-chatbot"
SETTINGS = load_backend_settings()


@pytest.fixture(scope="module")
def applied(cli_apply, local):
    """The session's CLI apply (`apply --env dev` applies every dev stack after the bootstrap),
    its summary, and one more plan of this stack."""
    return local, cli_apply[1], local.plan_exitcode(STACK)


def test_every_resource_is_applied_and_nothing_skipped(applied, aws):
    local, summary, _ = applied
    selection = local.selection(STACK)
    assert selection.skipped == []
    assert (f"[{STACK}] Apply complete! Resources: {len(selection.targets)} added, "
            "0 changed, 0 destroyed.") in summary, summary[-3000:]
    key = SETTINGS.state_key("dev", "chatbot")
    state = json.loads(aws("s3").get_object(Bucket=SETTINGS.bucket, Key=key)["Body"].read())
    managed = [r for r in state["resources"] if r["mode"] == "managed"]
    assert len(managed) == len(selection.targets)


def test_second_plan_shows_no_changes(applied):
    code, output = applied[2]
    assert code == 0, output[-3000:]


def test_the_emulator_holds_the_tables_secrets_and_api(applied, aws):
    dynamodb = aws("dynamodb")
    history = dynamodb.describe_table(TableName="pf-chatbot-chat-history-dev")["Table"]
    assert [k["AttributeName"] for k in history["KeySchema"]] == ["sessionId", "timestamp"]
    assert [i["IndexName"] for i in history["GlobalSecondaryIndexes"]] == ["UserSessionIndex"]
    ttl = dynamodb.describe_time_to_live(TableName="pf-chatbot-sessions-dev")
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"
    secrets = aws("secretsmanager").list_secrets()["SecretList"]
    names = {s["Name"] for s in secrets if s["Name"].startswith("pf/dev/chatbot/")}
    assert names == {"pf/dev/chatbot/salesforce-credentials", "pf/dev/chatbot/openai-credentials",
                     "pf/dev/chatbot/jwt-secret"}
    for name in names:  # values are set after deployment, never by Terraform
        with pytest.raises(aws("secretsmanager").exceptions.ResourceNotFoundException):
            aws("secretsmanager").get_secret_value(SecretId=name)
    apis = aws("apigateway").get_rest_apis()["items"]
    (api,) = [a for a in apis if a["name"] == "pf-chatbot-api-dev"]
    (authorizer,) = aws("apigateway").get_authorizers(restApiId=api["id"])["items"]
    assert authorizer["type"] == "TOKEN"
    functions = {f["FunctionName"] for f in aws("lambda").list_functions()["Functions"]}
    assert {f"pf-chatbot-{k}-dev" for k in ("authorizer", "chat", "sessions", "salesforce")} \
        <= functions
