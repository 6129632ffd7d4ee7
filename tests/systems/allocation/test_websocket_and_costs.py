"""The WebSocket API, the connections table, X-Ray sampling, the budget and the cost anomaly
monitor on the synthesized dev stack; the anomaly monitor can be switched off."""

from __future__ import annotations

import json

from tests.conftest import one, resources, statements_of


def test_websocket_routes_stage_and_function(allocation_dev):
    api = one(allocation_dev, "aws_apigatewayv2_api")
    assert (api["name"], api["protocol_type"]) == ("pf-allocation-websocket-dev", "WEBSOCKET")
    routes = {r["route_key"]: r for r in resources(allocation_dev, "aws_apigatewayv2_route").values()}
    assert sorted(routes) == ["$connect", "$default", "$disconnect"]
    assert routes["$connect"]["authorization_type"] == "AWS_IAM"
    stage = one(allocation_dev, "aws_apigatewayv2_stage")
    assert stage["name"] == "dev" and stage["access_log_settings"]["destination_arn"]
    assert (stage["default_route_settings"]["throttling_rate_limit"],
            stage["default_route_settings"]["throttling_burst_limit"]) == (10, 20)
    functions = {f["function_name"]: f for f in resources(allocation_dev, "aws_lambda_function").values()}
    function = functions["pf-allocation-websocket-dev"]
    variables = function["environment"]["variables"]
    assert variables["CONNECTION_TTL_SECONDS"] == "7800"
    assert variables["CONNECTIONS_TABLE"].startswith("${aws_dynamodb_table.")


def test_connections_table_has_ttl_pitr_and_kms(allocation_dev):
    table = next(t for t in resources(allocation_dev, "aws_dynamodb_table").values()
                 if t["name"] == "pf-allocation-websocket-connections-dev")
    assert table["hash_key"] == "connection_id"
    assert table["ttl"] == {"attribute_name": "expires_at", "enabled": True}
    assert table["point_in_time_recovery"]["enabled"] is True
    assert table["server_side_encryption"]["kms_key_arn"].startswith("${aws_kms_key.")


def test_websocket_function_grants(allocation_dev):
    statements = statements_of(allocation_dev, "pf-allocation-websocket-role-dev")
    assert sorted(statements["TrackConnections"]["actions"]) == ["dynamodb:DeleteItem", "dynamodb:PutItem"]
    assert statements["ReadJobs"]["actions"] == ["dynamodb:Query"]
    post_back = next(p for p in resources(allocation_dev, "aws_iam_role_policy").values()
                     if p["name"] == "pf-allocation-websocket-post-back-policy")
    assert post_back["role"] == "pf-allocation-websocket-role-dev"
    document = next(d for d in allocation_dev["data"]["aws_iam_policy_document"].values()
                    if any(s.get("sid") == "PostToConnections" for s in d["statement"]))
    (statement,) = document["statement"]
    assert statement["actions"] == ["execute-api:ManageConnections"]
    assert statement["resources"][0].endswith("/dev/*/@connections/*")


def test_sampling_rules_budget_and_anomaly_monitor(allocation_dev):
    rules = {r["rule_name"]: r for r in resources(allocation_dev, "aws_xray_sampling_rule").values()}
    assert sorted(rules) == ["pf-alloc-api-dev", "pf-alloc-functions-dev"]
    assert rules["pf-alloc-functions-dev"]["service_name"] == "pf-allocation-*"
    assert rules["pf-alloc-api-dev"]["service_name"] == "pf-allocation-api-dev/dev"
    assert {(r["fixed_rate"], r["reservoir_size"]) for r in rules.values()} == {(0.05, 1)}
    budget = one(allocation_dev, "aws_budgets_budget")
    assert (budget["name"], budget["limit_amount"]) == ("pf-allocation-monthly-cost-dev", "1000")
    assert {n["threshold"] for n in budget["notification"]} == {80}
    monitor = one(allocation_dev, "aws_ce_anomaly_monitor")
    tags = {t["Tags"]["Key"]: t["Tags"]["Values"] for t in
            json.loads(monitor["monitor_specification"])["And"]}
    assert tags == {"Project": ["asset-allocation"], "Environment": ["dev"]}
    subscription = one(allocation_dev, "aws_ce_anomaly_subscription")
    assert subscription["threshold_expression"]["dimension"]["values"] == ["100"]
    assert subscription["subscriber"][0]["address"].startswith("${aws_sns_topic.")
    # The topic lets only this account's budgets and anomaly subscriptions publish.
    topic_policy = json.dumps(allocation_dev["data"]["aws_iam_policy_document"])
    assert "budgets.amazonaws.com" in topic_policy and "costalerts.amazonaws.com" in topic_policy
    assert "arn:aws:ce::618048437522:anomalysubscription/*" in topic_policy


def test_anomaly_monitor_and_settings_can_change(tmp_path):
    from tests.systems.allocation.conftest import synth_allocation

    stack = synth_allocation(tmp_path, overrides={"systems": {"allocation": {
        "costs": {"anomaly_detection": False, "monthly_budget_usd": 50},
        "tracing": {"fixed_rate": 0.5}, "agents": {"enabled": False}}}})
    assert resources(stack, "aws_ce_anomaly_monitor") == {}
    assert one(stack, "aws_budgets_budget")["limit_amount"] == "50"
    assert {r["fixed_rate"] for r in resources(stack, "aws_xray_sampling_rule").values()} == {0.5}
    assert "costalerts.amazonaws.com" not in json.dumps(stack["data"]["aws_iam_policy_document"])
