"""`dev-chatbot` on the emulator: bootstrap, apply every resource (nothing in the stack needs
skipping), then a second plan that shows no changes, and what the emulator now holds."""

from __future__ import annotations

import json

import pytest

from modules.backend import BOOTSTRAP_STACK, load_backend_settings

pytestmark = pytest.mark.integration

STACK = "dev-chatbot"
SETTINGS = load_backend_settings()


@pytest.fixture(scope="module")
def applied(module_emulator, tmp_path_factory):
    from modules.local_aws.local_apply import LocalAws
    from systems.app import build_and_synthesize

    root = tmp_path_factory.mktemp("chatbot-local")
    build_and_synthesize(root / "cdktf.out", only=[BOOTSTRAP_STACK, STACK])
    local = LocalAws(module_emulator.endpoint, root / "cdktf.out", root / "work")
    local.apply(BOOTSTRAP_STACK)
    result = local.apply(STACK)
    return local, result, local.plan_exitcode(STACK)


def test_every_resource_is_applied_and_nothing_skipped(applied, module_aws):
    local, result, _ = applied
    selection = local.selection(STACK)
    assert selection.skipped == [] and result.skipped == []
    assert result.changes == (f"Apply complete! Resources: {len(selection.targets)} added, "
                              "0 changed, 0 destroyed.")
    key = SETTINGS.state_key("dev", "chatbot")
    state = json.loads(module_aws("s3").get_object(Bucket=SETTINGS.bucket, Key=key)["Body"].read())
    managed = [r for r in state["resources"] if r["mode"] == "managed"]
    assert len(managed) == len(selection.targets)


def test_second_plan_shows_no_changes(applied):
    code, output = applied[2]
    assert code == 0, output[-3000:]


def test_the_emulator_holds_the_tables_secrets_and_api(applied, module_aws):
    dynamodb = module_aws("dynamodb")
    history = dynamodb.describe_table(TableName="pf-chatbot-chat-history-dev")["Table"]
    assert [k["AttributeName"] for k in history["KeySchema"]] == ["sessionId", "timestamp"]
    assert [i["IndexName"] for i in history["GlobalSecondaryIndexes"]] == ["UserSessionIndex"]
    ttl = dynamodb.describe_time_to_live(TableName="pf-chatbot-sessions-dev")
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"
    secrets = module_aws("secretsmanager").list_secrets()["SecretList"]
    names = {s["Name"] for s in secrets if s["Name"].startswith("pf/dev/chatbot/")}
    assert names == {"pf/dev/chatbot/salesforce-credentials", "pf/dev/chatbot/openai-credentials",
                     "pf/dev/chatbot/jwt-secret"}
    for name in names:  # values are set after deployment, never by Terraform
        with pytest.raises(module_aws("secretsmanager").exceptions.ResourceNotFoundException):
            module_aws("secretsmanager").get_secret_value(SecretId=name)
    apis = module_aws("apigateway").get_rest_apis()["items"]
    (api,) = [a for a in apis if a["name"] == "pf-chatbot-api-dev"]
    (authorizer,) = module_aws("apigateway").get_authorizers(restApiId=api["id"])["items"]
    assert authorizer["type"] == "TOKEN"
    functions = {f["FunctionName"] for f in module_aws("lambda").list_functions()["Functions"]}
    assert {f"pf-chatbot-{k}-dev" for k in ("authorizer", "chat", "sessions", "salesforce")} \
        <= functions
