"""Phase 2 ("Scaling & Observability") as synthesized for staging (`phase = "2"`): each row of
the system's Phase 2 inventory that Terraform can express, the names per environment, and IAM on
this environment's ARNs only."""

from __future__ import annotations

import ast
import json
import re

import pytest

from modules.config import REPO_ROOT
from tests.conftest import one, policy_statements, resources, statements_of

ENV = "staging"
TABLES = {  # name: (partition key, type, sort key, type, read/write units, TTL attribute)
    f"pf-conversation-history-{ENV}": ("session_id", "S", "timestamp", "N", 5, "expires_at"),
    f"pf-session-state-{ENV}": ("session_id", "S", None, None, 5, "expires_at"),
    f"pf-appointment-cache-{ENV}": ("customer_id", "S", "project_id", "S", 5, "expires_at"),
    f"pf-agent-metrics-{ENV}": ("agent_id", "S", "timestamp", "N", 3, None),
}


@pytest.fixture(scope="module")
def stack(stacks):
    return stacks[f"{ENV}-scheduling"]


def by(stack: dict, resource_type: str, attribute: str) -> dict[str, dict]:
    return {r[attribute]: r for r in resources(stack, resource_type).values()}


def test_four_tables_with_the_keys_capacities_pitr_cmk_and_ttl(stack):
    tables = by(stack, "aws_dynamodb_table", "name")
    assert set(tables) == set(TABLES)
    for name, (pk, pk_type, sk, sk_type, units, ttl) in TABLES.items():
        table = tables[name]
        assert table["hash_key"] == pk and table.get("range_key") == sk
        types = {a["name"]: a["type"] for a in table["attribute"]}
        assert types == {pk: pk_type, **({sk: sk_type} if sk else {})}
        assert table["billing_mode"] == "PROVISIONED"
        assert (table["read_capacity"], table["write_capacity"]) == (units, units)
        assert table["point_in_time_recovery"] == {"enabled": True}
        assert table["server_side_encryption"]["kms_key_arn"].startswith("${aws_kms_key.")
        assert "global_secondary_index" not in table  # no Lambda queries by another key
        assert (table.get("ttl") or {}).get("attribute_name") == ttl
        assert table["deletion_protection_enabled"] is False
    targets = resources(stack, "aws_appautoscaling_target").values()
    assert sorted((t["min_capacity"], t["max_capacity"]) for t in targets) == sorted(
        [(u, 20) for *_, u, _ in TABLES.values() for _ in ("read", "write")])
    policies = resources(stack, "aws_appautoscaling_policy").values()
    assert {p["policy_type"] for p in policies} == {"TargetTrackingScaling"}
    assert {p["target_tracking_scaling_policy_configuration"]["target_value"] for p in policies} == {70}


def test_rest_api_routes_key_usage_plan_logs_and_tracing(stack):
    api = one(stack, "aws_api_gateway_rest_api")
    assert api["name"] == f"pf-scheduling-api-{ENV}"
    paths = {r["path_part"] for r in resources(stack, "aws_api_gateway_resource").values()}
    assert paths == {"chat", "sessions", "{session_id}", "health"}
    methods = sorted((m["http_method"], m["api_key_required"])
                     for m in resources(stack, "aws_api_gateway_method").values())
    assert methods == [("DELETE", True), ("GET", False), ("GET", True), ("POST", True)]
    assert {i["type"] for i in resources(stack, "aws_api_gateway_integration").values()} == {"AWS_PROXY"}
    plan = one(stack, "aws_api_gateway_usage_plan")
    assert plan["throttle_settings"]["rate_limit"] == pytest.approx(1000 / 60, abs=0.01)
    stage = one(stack, "aws_api_gateway_stage")
    assert stage["stage_name"] == ENV and stage["xray_tracing_enabled"] is True
    assert json.loads(stage["access_log_settings"]["format"])["requestId"] == "$context.requestId"
    model = json.loads(one(stack, "aws_api_gateway_model")["schema"])
    assert model["required"] == ["customer_id", "client_id", "message"]


def test_chat_lambda_invokes_only_the_supervisor_alias(stack):
    chat = by(stack, "aws_lambda_function", "function_name")[f"pf-chat-api-{ENV}"]
    variables = chat["environment"]["variables"]
    assert variables["SUPERVISOR_ALIAS_ID"].startswith("${aws_bedrockagent_agent_alias.agents_agent_supervisor")
    assert variables["CONVERSATION_TABLE"].startswith("${aws_dynamodb_table.")
    invoke = statements_of(stack, f"pf-chat-api-role-{ENV}")["InvokeSupervisor"]
    (alias,) = invoke["resources"]
    assert invoke["actions"] == ["bedrock:InvokeAgent"] and "agents_agent_supervisor" in alias


def test_three_secrets_under_the_environment_path_without_values(stack):
    names = set(by(stack, "aws_secretsmanager_secret", "name"))
    assert names == {f"pf/{ENV}/pf360/api-credentials", f"pf/{ENV}/database/connection",
                     f"pf/{ENV}/bedrock/api-keys"}
    assert "aws_secretsmanager_secret_version" not in stack["resource"]
    for secret in resources(stack, "aws_secretsmanager_secret").values():
        assert secret["kms_key_id"].startswith("${aws_kms_key.")


def alarms(stack) -> dict[str, dict]:
    return by(stack, "aws_cloudwatch_metric_alarm", "alarm_name")


def test_alarms_at_the_thresholds_notify_sns(stack):
    found = alarms(stack)
    daily = found[f"pf-agent-invocations-daily-{ENV}"]
    assert (daily["metric_name"], daily["namespace"], daily["threshold"], daily["period"]) == (
        "AgentInvocationCount", "PF/Bedrock", 10000, 86400)
    assert daily["dimensions"] == {"Environment": ENV}
    assert found[f"pf-agent-response-time-{ENV}"]["threshold"] == 5000  # ms
    hourly = found[f"pf-session-attribute-failures-{ENV}"]
    assert (hourly["threshold"], hourly["period"]) == (10, 3600)
    rate = found[f"pf-chat-api-error-rate-{ENV}"]
    (result,) = [q for q in rate["metric_query"] if q.get("return_data")]
    assert result["expression"] == "100 * errors / MAX([invocations, 1])" and rate["threshold"] == 5
    functions = set(by(stack, "aws_lambda_function", "function_name"))
    assert len([n for n in found if n.endswith(f"-throttles-{ENV}")]) == len(functions) == 7
    assert len([n for n in found if n.endswith(f"-throttled-{ENV}")]) == 4  # one per table
    assert f"pf-pf360-api-errors-{ENV}" in found
    assert {n for n in found if n.endswith(f"-secret-age-{ENV}")} == {
        f"pf-{k}-secret-age-{ENV}" for k in ("pf360", "database", "api-keys")}
    topics = {f"${{aws_sns_topic.{k}.arn}}" for k in resources(stack, "aws_sns_topic")}
    for alarm in found.values():
        assert alarm["alarm_actions"] and set(alarm["alarm_actions"]) <= topics
        assert alarm["period"] if "period" in alarm else alarm["metric_query"]


def emitted_metrics() -> set[tuple[str, str]]:
    """(namespace, name) of every custom metric the Lambda code emits."""
    source = (REPO_ROOT / "lambda/scheduling/shared/pf_actions/metrics.py").read_text()
    table = re.search(r"METRICS: Final = MappingProxyType\(\s*(\{.*?\})\s*\)", source, re.S)[1]
    namespaces = {"BEDROCK_NAMESPACE": "PF/Bedrock", "LAMBDA_NAMESPACE": "PF/Lambda"}
    for constant, value in namespaces.items():
        table = table.replace(constant, repr(value))
    return {(namespace, name) for name, (namespace, _) in ast.literal_eval(table).items()}


def test_dashboards_and_alarms_use_only_metrics_the_code_emits(stack):
    emitted = emitted_metrics()
    assert ("PF/Bedrock", "AgentInvocationCount") in emitted
    boards = by(stack, "aws_cloudwatch_dashboard", "dashboard_name")
    assert set(boards) == {f"pf-{b}-{ENV}" for b in
                           ("agent-performance", "lambda-execution", "cost-optimization")}
    used = set()
    for board in boards.values():
        for widget in json.loads(board["dashboard_body"])["widgets"]:
            for metric in widget.get("properties", {}).get("metrics", []):
                if metric[0].startswith("PF/"):
                    used.add((metric[0], metric[1]))
    used |= {(a["namespace"], a["metric_name"]) for a in alarms(stack).values()
             if a.get("namespace", "").startswith("PF/")}
    assert used and used <= emitted, used - emitted


def test_topics_tracing_schedules_and_parameters(stack):
    topics = by(stack, "aws_sns_topic", "name")
    assert set(topics) == {f"pf-alerts-{ENV}", f"pf-errors-{ENV}"}
    for topic in topics.values():
        assert topic["kms_master_key_id"].startswith("${aws_kms_key.")
    rule = one(stack, "aws_xray_sampling_rule")
    assert rule["rule_name"] == f"pf-scheduling-{ENV}" and rule["fixed_rate"] == 0.05
    rules = {r["name"]: r["schedule_expression"]
             for r in resources(stack, "aws_cloudwatch_event_rule").values()}
    assert rules == {f"pf-cleanup-old-sessions-{ENV}": "rate(1 day)",
                     f"pf-refresh-cache-{ENV}": "rate(1 hour)",
                     f"pf-daily-metrics-{ENV}": "cron(0 9 * * ? *)"}
    for target in resources(stack, "aws_cloudwatch_event_target").values():
        assert target["retry_policy"]["maximum_retry_attempts"] == 2
        assert target["dead_letter_config"]["arn"].startswith("${aws_sqs_queue.")
    for permission in resources(stack, "aws_lambda_permission").values():
        if permission["principal"] == "events.amazonaws.com":
            assert permission["source_arn"].startswith("${aws_cloudwatch_event_rule.")
    params = set(by(stack, "aws_ssm_parameter", "name"))
    assert params == {f"/pf/{ENV}/scheduling/{n}" for n in (
        "business_hours", "booking_window_days", "cache_ttl_seconds", "session_idle_days",
        "conversation_ttl_days", "feature_flags")}
    for name in ("cleanup-sessions", "refresh-cache", "daily-metrics"):
        fn = by(stack, "aws_lambda_function", "function_name")[f"pf-{name}-{ENV}"]
        assert fn["dead_letter_config"]["target_arn"].startswith("${aws_sqs_queue.")


def test_every_lambda_policy_names_this_environments_resources_only(stack):
    wildcard_ok = {"WriteTraces", "ReadMetrics"}  # X-Ray and GetMetricData: no resource ARNs
    for key, policy in resources(stack, "aws_iam_role_policy").items():
        for statement in policy_statements(stack, policy["policy"]):
            for resource in statement.get("resources", []):
                assert "pf-*" not in resource and "table/pf" not in resource, (key, resource)
                if resource == "*":
                    assert statement["sid"] in wildcard_ok, (key, statement["sid"])
    cache = statements_of(stack, f"pf-scheduling-actions-role-{ENV}")
    assert any("appointment_cache" in r for s in cache.values() for r in s.get("resources", []))
    assert not any("conversation" in r for s in cache.values() for r in s.get("resources", []))


def test_plan_creates_the_tables_as_planned(pipeline_runs):
    run = pipeline_runs[f"{ENV}-scheduling"]
    planned = {c["change"]["after"]["name"]: c["change"]["after"]
               for c in run.plan["resource_changes"] if c["type"] == "aws_dynamodb_table"}
    assert set(planned) == set(TABLES)
    for name, (pk, _, sk, _, units, _) in TABLES.items():
        assert (planned[name]["hash_key"], planned[name]["range_key"]) == (pk, sk)
        assert planned[name]["read_capacity"] == units


def test_usage_plan_and_key_are_named_once_per_environment(stack):
    assert one(stack, "aws_api_gateway_usage_plan")["name"] == f"pf-scheduling-api-{ENV}"
    assert one(stack, "aws_api_gateway_api_key")["name"] == f"pf-scheduling-api-{ENV}"
