"""The chatbot stack's synthesized JSON: the specification's checkable facts (tables, secrets,
key, alarms, topic, dashboard, CORS), the authorizer, the functions' own least-privilege roles
and the dev/prod differences that come from the env files only."""

from __future__ import annotations

import json

import pytest

from tests.conftest import data_sources, one, resources
from tests.systems.chatbot.conftest import load_stack, synth_chatbot


@pytest.fixture(scope="module")
def stacks(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("chatbot")
    return {env: load_stack(synth_chatbot(out / env, env)) for env in ("dev", "prod")}


@pytest.fixture(scope="module")
def dev(stacks) -> dict:
    return stacks["dev"]


def tables(stack: dict) -> dict[str, dict]:
    return {t["name"]: t for t in resources(stack, "aws_dynamodb_table").values()}


def statements(stack: dict, role_policy: dict) -> list[dict]:
    name = role_policy["policy"].strip("${}").split(".")[2]
    return data_sources(stack, "aws_iam_policy_document")[name]["statement"]


def role_policies(stack: dict) -> dict[str, list[dict]]:
    return {p["name"]: statements(stack, p)
            for p in resources(stack, "aws_iam_role_policy").values()}


def key_ref(stack: dict) -> str:
    (logical,) = resources(stack, "aws_kms_key")
    return f"${{aws_kms_key.{logical}.arn}}"


def test_three_tables_with_the_specified_keys_ttl_and_index(dev):
    found = tables(dev)
    assert set(found) == {"pf-chatbot-sessions-dev", "pf-chatbot-cache-dev",
                          "pf-chatbot-chat-history-dev"}
    sessions, cache = found["pf-chatbot-sessions-dev"], found["pf-chatbot-cache-dev"]
    history = found["pf-chatbot-chat-history-dev"]
    assert sessions["hash_key"] == "sessionId" and "range_key" not in sessions
    assert sessions["ttl"] == {"attribute_name": "expiresAt", "enabled": True}
    assert cache["hash_key"] == "key" and cache["ttl"]["attribute_name"] == "ttl"
    assert history["hash_key"] == "sessionId" and history["range_key"] == "timestamp"
    (index,) = history["global_secondary_index"]
    assert index["name"] == "UserSessionIndex" and index["hash_key"] == "userId"
    for table in found.values():
        assert table["billing_mode"] == "PAY_PER_REQUEST"
        assert table["point_in_time_recovery"] == {"enabled": True}
        assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": key_ref(dev)}


def test_three_secrets_under_the_key_without_values(dev):
    secrets = {s["name"]: s for s in resources(dev, "aws_secretsmanager_secret").values()}
    assert set(secrets) == {f"pf/dev/chatbot/{p}" for p in (
        "salesforce-credentials", "openai-credentials", "jwt-secret")}
    assert all(s["kms_key_id"] == key_ref(dev) for s in secrets.values())
    assert "aws_secretsmanager_secret_version" not in dev["resource"]
    outputs = dev["output"]
    assert {k for k in outputs if k.endswith("_secret_arn")} == {
        "salesforce_credentials_secret_arn", "openai_credentials_secret_arn",
        "jwt_secret_secret_arn"}
    assert all(".arn}" in outputs[k]["value"] for k in outputs if k.endswith("_secret_arn"))


def test_one_rotating_customer_key(dev):
    key = one(dev, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    assert one(dev, "aws_kms_alias")["name"] == "alias/pf-chatbot-data-dev"


def test_two_alarms_notify_the_one_topic(dev):
    topic = one(dev, "aws_sns_topic")
    assert topic["name"] == "pf-chatbot-alerts-dev" and topic["kms_master_key_id"] == key_ref(dev)
    (topic_id,) = resources(dev, "aws_sns_topic")
    alarms = {a["alarm_name"]: a for a in resources(dev, "aws_cloudwatch_metric_alarm").values()}
    assert set(alarms) == {"pf-chatbot-api-errors-dev", "pf-chatbot-lambda-errors-dev"}
    for alarm in alarms.values():
        assert alarm["alarm_actions"] == [f"${{aws_sns_topic.{topic_id}.arn}}"]
    api = alarms["pf-chatbot-api-errors-dev"]
    assert api["threshold"] == 5 and api["comparison_operator"] == "GreaterThanThreshold"
    metrics = {q["id"]: q for q in api["metric_query"]}
    assert metrics["errors"]["metric"]["metric_name"] == "4XXError"
    assert metrics["errors"]["metric"]["namespace"] == "AWS/ApiGateway"
    dimensions = metrics["errors"]["metric"]["dimensions"]
    assert dimensions["ApiName"] == "pf-chatbot-api-dev"
    assert dimensions["Stage"].startswith("${aws_api_gateway_stage.")
    lam = alarms["pf-chatbot-lambda-errors-dev"]
    errors = [q["metric"] for q in lam["metric_query"] if "metric" in q]
    assert len(errors) == 4 and {m["metric_name"] for m in errors} == {"Errors"}
    assert {m["dimensions"]["FunctionName"] for m in errors} == {
        f"${{aws_lambda_function.function_{k}_function_{h}.function_name}}"
        for k, h in _function_ids(dev)}
    assert lam["threshold"] == 5


def _function_ids(stack: dict) -> list[tuple[str, str]]:
    out = []
    for logical in resources(stack, "aws_lambda_function"):
        key, suffix = logical.removeprefix("function_").split("_function_")
        out.append((key, suffix))
    return out


def test_alarm_thresholds_and_subscriptions_come_from_settings(tmp_path):
    stack = load_stack(synth_chatbot(tmp_path, "staging", {"alarms": {
        "api_error_rate_percent": 12.5, "lambda_errors": 0, "evaluation_periods": 3,
        "email_subscriptions": ["ops@example.com", "oncall@example.com"]}}))
    alarms = {a["alarm_name"]: a for a in resources(stack, "aws_cloudwatch_metric_alarm").values()}
    assert alarms["pf-chatbot-api-errors-staging"]["threshold"] == 12.5
    assert alarms["pf-chatbot-lambda-errors-staging"]["threshold"] == 0
    assert {a["evaluation_periods"] for a in alarms.values()} == {3}
    subscriptions = resources(stack, "aws_sns_topic_subscription").values()
    assert sorted(s["endpoint"] for s in subscriptions) == ["oncall@example.com",
                                                            "ops@example.com"]
    assert {s["protocol"] for s in subscriptions} == {"email"}


def test_dashboard_covers_api_gateway_lambda_and_dynamodb(dev):
    board = one(dev, "aws_cloudwatch_dashboard")
    assert board["dashboard_name"] == "pf-chatbot-dev"
    body = json.loads(board["dashboard_body"])
    namespaces = {row[0] for w in body["widgets"] for row in w["properties"]["metrics"]}
    assert namespaces == {"AWS/ApiGateway", "AWS/Lambda", "AWS/DynamoDB"}
    metrics = {row[1] for w in body["widgets"] for row in w["properties"]["metrics"]}
    assert {"Count", "Latency", "4XXError", "5XXError", "Invocations", "Errors", "Duration",
            "ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits",
            "ReadThrottleEvents", "WriteThrottleEvents"} <= metrics


def test_api_has_cors_and_every_route_but_health_behind_the_jwt_authorizer(dev):
    authorizer = one(dev, "aws_api_gateway_authorizer")
    assert authorizer["type"] == "TOKEN" and authorizer["authorizer_result_ttl_in_seconds"] == 300
    assert "function_authorizer" in authorizer["authorizer_uri"]
    methods = resources(dev, "aws_api_gateway_method").values()
    options = [m for m in methods if m["http_method"] == "OPTIONS"]
    assert len(options) == 5  # one preflight per resource with routes
    routes = [m for m in methods if m["http_method"] != "OPTIONS"]
    assert len(routes) == 6
    open_routes = [m for m in routes if m["authorization"] == "NONE"]
    assert len(open_routes) == 1 and "health" in open_routes[0]["resource_id"]
    assert all(m["authorization"] == "CUSTOM" and m["api_key_required"] is False
               for m in routes if m not in open_routes)
    assert "aws_api_gateway_usage_plan" not in dev["resource"]
    responses = resources(dev, "aws_api_gateway_integration_response").values()
    assert all(r["response_parameters"][
        "method.response.header.Access-Control-Allow-Origin"] == "'http://localhost:3000'"
        for r in responses)


def test_each_route_invokes_only_its_function(dev):
    permissions = {p["statement_id"]: p for p in resources(dev, "aws_lambda_permission").values()}
    assert set(permissions) == {"AllowApiGatewayInvoke", "AllowApiGatewayAuthorizer",
                                "AllowApiGateway_post_chat",
                                "AllowApiGateway_get_salesforce__object_type__record_id"}
    assert permissions["AllowApiGateway_post_chat"]["source_arn"].endswith("/dev/POST/chat")
    assert permissions["AllowApiGateway_get_salesforce__object_type__record_id"][
        "source_arn"].endswith("/dev/GET/salesforce/*/*")
    assert "function_chat" in permissions["AllowApiGateway_post_chat"]["function_name"]
    assert "function_sessions" in permissions["AllowApiGatewayInvoke"]["function_name"]
    assert "/authorizers/" in permissions["AllowApiGatewayAuthorizer"]["source_arn"]


# policy name -> (tables it may use, secrets it may read)
ACCESS = {
    "pf-chatbot-authorizer-policy": (set(), {"pf/dev/chatbot/jwt-secret"}),
    "pf-chatbot-chat-policy": ({"pf-chatbot-sessions-dev", "pf-chatbot-chat-history-dev"},
                               {"pf/dev/chatbot/openai-credentials"}),
    "pf-chatbot-sessions-policy": ({"pf-chatbot-sessions-dev"}, set()),
    "pf-chatbot-salesforce-policy": ({"pf-chatbot-cache-dev"},
                                     {"pf/dev/chatbot/salesforce-credentials"}),
}


def names_by_reference(stack: dict, resource_type: str) -> dict[str, str]:
    """`${<type>.<logical id>` -> the resource's name."""
    return {f"${{{resource_type}.{logical}": r["name"]
            for logical, r in resources(stack, resource_type).items()}


def named(references: set[str], by_reference: dict[str, str]) -> set[str]:
    prefixes = {".".join(r.split(".")[:2]) for r in references if r.startswith("${")}
    return {by_reference[p] for p in prefixes if p in by_reference}


def test_each_function_has_its_own_role_scoped_to_what_it_uses(dev):
    policies = role_policies(dev)
    assert set(policies) == set(ACCESS)
    assert len(resources(dev, "aws_iam_role")) == 4
    for name, (tables_used, secrets_used) in ACCESS.items():
        resources_named = {r for s in policies[name] for r in s.get("resources", [])}
        tables_named = named(resources_named, names_by_reference(dev, "aws_dynamodb_table"))
        secrets_named = named(resources_named,
                              names_by_reference(dev, "aws_secretsmanager_secret"))
        assert tables_named == tables_used, name
        assert secrets_named == secrets_used, name
        wildcard = [s for s in policies[name] if "*" in s.get("resources", [])]
        assert [s["sid"] for s in wildcard] == ["WriteTraces"], name
        for statement in policies[name]:
            if any(a.startswith("kms:") for a in statement["actions"]):
                assert statement["condition"][0]["variable"] == "kms:ViaService", name


def test_environment_holds_secret_arns_never_values(dev):
    for function in resources(dev, "aws_lambda_function").values():
        variables = function["environment"]["variables"]
        for name, value in variables.items():
            if "SECRET" in name:
                assert name.endswith("_SECRET_ARN") and value.startswith(
                    "${aws_secretsmanager_secret."), (name, value)
        assert function["kms_key_arn"] == key_ref(dev)
        assert function["tracing_config"] == {"mode": "Active"}


def test_dev_and_prod_differ_only_as_the_env_files_say(stacks):
    dev, prod = stacks["dev"], stacks["prod"]
    retention = {env: {g["retention_in_days"] for g in
                       resources(s, "aws_cloudwatch_log_group").values()}
                 for env, s in stacks.items()}
    assert retention == {"dev": {365}, "prod": {1096}}
    assert {t["deletion_protection_enabled"] for t in tables(dev).values()} == {False}
    assert {t["deletion_protection_enabled"] for t in tables(prod).values()} == {True}
    assert {f["reserved_concurrent_executions"]
            for f in resources(prod, "aws_lambda_function").values()} == {50}
    assert "aws_backup_plan" not in dev["resource"]
    plan = one(prod, "aws_backup_plan")
    assert plan["rule"][0]["lifecycle"] == {"delete_after": 35}
    assert len(one(prod, "aws_backup_selection")["resources"]) == 3
    assert one(prod, "aws_backup_vault")["kms_key_arn"] == key_ref(prod)
    history = {env: next(f["environment"]["variables"]["HISTORY_TTL_DAYS"]
                         for f in resources(s, "aws_lambda_function").values()
                         if "HISTORY_TTL_DAYS" in f["environment"]["variables"])
               for env, s in stacks.items()}
    assert history == {"dev": "7", "prod": "365"}
    # Prod sets no CORS origin: no preflight is answered there.
    assert all(m["http_method"] != "OPTIONS"
               for m in resources(prod, "aws_api_gateway_method").values())


def test_default_tags_name_environment_and_project(dev):
    tags = dev["provider"]["aws"][0]["default_tags"][0]["tags"]
    assert tags["Environment"] == "dev" and tags["Project"] == "chatbot"
    assert tags["CostCenter"]
