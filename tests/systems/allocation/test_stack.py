"""The asset-allocation stack against the specification's checkable facts: buckets (versioning,
KMS, access logs, public-access block, lifecycle, CORS, replication), tables (keys, index, PITR,
auto scaling 1-100, stream, TTL), the VPC (3 zones, public/private/isolated, NAT, flow logs,
endpoints, NACL), the Lambda sizes, the API (validation, 10 rps usage plan, 300 s cache, WAF)
and the alarms (error rate above 1 %, 5xx, throttles); 2557-day logs; one rotating key."""

from __future__ import annotations

import json

from systems.allocation.names import FUNCTION_PARTS
from tests.conftest import one, resources


def by(stack: dict, resource_type: str, field: str) -> dict[str, dict]:
    return {body[field]: body for body in resources(stack, resource_type).values()}


def test_every_bucket_versioned_encrypted_logged_and_private(allocation_dev):
    buckets = by(allocation_dev, "aws_s3_bucket", "bucket")
    # The agents' schema bucket is checked in test_agent_actions.py, the CDN's in test_cdn.py,
    # the pipeline's in test_delivery.py.
    data = sorted(b for b in buckets if not any(part in b for part in (
        "access-logs", "agent-schemas", "frontend", "cdn-logs", "pipeline-artifacts")))
    assert data == [f"pf-allocation-{p}-dev-618048437522" for p in
                    ("market-data", "model-artifacts", "results")]
    for kind in ("aws_s3_bucket_versioning", "aws_s3_bucket_public_access_block",
                 "aws_s3_bucket_server_side_encryption_configuration"):
        assert len(resources(allocation_dev, kind)) == len(buckets), kind
    # The three data buckets, the frontend assets and the pipeline artifacts.
    assert len(resources(allocation_dev, "aws_s3_bucket_logging")) == 5
    kms = [c for c in resources(allocation_dev, "aws_s3_bucket_server_side_encryption_configuration").values()
           if c["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"]
    # The three data buckets, the schema bucket, both CDN buckets, the pipeline artifacts.
    assert len(kms) == 7


def test_lifecycles_notifications_cors_and_replication(allocation_dev, allocation_prod):
    rules = {r["id"]: r for c in resources(allocation_dev, "aws_s3_bucket_lifecycle_configuration").values()
             for r in c["rule"]}
    assert rules["archive-market-data"]["transition"] == [{"days": 90, "storage_class": "GLACIER"}]
    assert rules["results-intelligent-tiering"]["transition"] == [
        {"days": 0, "storage_class": "INTELLIGENT_TIERING"}]
    notification = one(allocation_dev, "aws_s3_bucket_notification")
    (target,) = notification["lambda_function"]
    assert target["filter_prefix"] == "incoming/" and target["events"] == ["s3:ObjectCreated:*"]
    assert resources(allocation_dev, "aws_s3_bucket_replication_configuration") == {}
    (rule,) = one(allocation_prod, "aws_s3_bucket_replication_configuration")["rule"]
    assert rule["destination"]["encryption_configuration"]["replica_kms_key_id"]
    replica = by(allocation_prod, "aws_s3_bucket", "bucket")[
        "pf-allocation-model-artifacts-replica-prod-618048437522"]
    assert replica["provider"] == "aws.us_west_2"
    cors = one(allocation_prod, "aws_s3_bucket_cors_configuration")["cors_rule"]
    assert cors[0]["allowed_origins"] == ["https://app.example.com"]


def test_tables_keys_index_capacity_stream_ttl(allocation_dev):
    tables = by(allocation_dev, "aws_dynamodb_table", "name")
    jobs = tables["pf-allocation-optimization-jobs-dev"]
    assert (jobs["hash_key"], jobs["range_key"], jobs["billing_mode"]) == ("job_id", "timestamp", "PROVISIONED")
    assert [(i["name"], i["hash_key"]) for i in jobs["global_secondary_index"]] == [("user-index", "user_id")]
    for table in tables.values():
        assert table["point_in_time_recovery"]["enabled"] is True
        assert table["server_side_encryption"]["enabled"] is True
    strategies = tables["pf-allocation-strategy-configurations-dev"]
    assert strategies["stream_enabled"] is True and strategies["stream_view_type"] == "NEW_AND_OLD_IMAGES"
    cache = tables["pf-allocation-results-cache-dev"]
    assert cache["ttl"] == {"attribute_name": "expires_at", "enabled": True}
    assert cache["billing_mode"] == "PAY_PER_REQUEST"
    targets = resources(allocation_dev, "aws_appautoscaling_target").values()
    assert len(targets) == 4  # table and index, read and write
    assert {(t["min_capacity"], t["max_capacity"]) for t in targets} == {(1, 100)}


def test_vpc_three_zones_three_tiers_nat_flow_logs_endpoints(allocation_dev, allocation_prod):
    subnets = resources(allocation_dev, "aws_subnet").values()
    assert len(subnets) == 9
    assert len({s["availability_zone"] for s in subnets}) == 3
    assert len(resources(allocation_dev, "aws_nat_gateway")) == 1
    assert len(resources(allocation_prod, "aws_nat_gateway")) == 3
    assert one(allocation_dev, "aws_flow_log")["traffic_type"] == "ALL"
    endpoints = {e["service_name"].rsplit(".", 1)[-1] if e["vpc_endpoint_type"] == "Gateway"
                 else e["service_name"].split("us-east-1.", 1)[1]: e["vpc_endpoint_type"]
                 for e in resources(allocation_dev, "aws_vpc_endpoint").values()}
    assert endpoints["s3"] == endpoints["dynamodb"] == "Gateway"
    assert endpoints["sagemaker.api"] == endpoints["sagemaker.runtime"] == "Interface"
    acl_rules = resources(allocation_dev, "aws_network_acl_rule").values()
    assert {r["cidr_block"] for r in acl_rules} == {"10.20.0.0/16"}
    assert one(allocation_dev, "aws_network_acl")["subnet_ids"]


def test_lambda_sizes_of_the_specification(allocation_dev):
    functions = {name: f for name, f in by(allocation_dev, "aws_lambda_function", "function_name").items()
                 if not name.endswith(("-actions-dev", "-websocket-dev"))}  # test_agent_actions.py, test_websocket.py
    assert len(functions) == 8
    submit = functions["pf-allocation-strategy-submission-dev"]
    assert (submit["memory_size"], submit["timeout"], submit["runtime"]) == (512, 30, "python3.11")
    assert submit["vpc_config"]["subnet_ids"]
    risk = functions["pf-allocation-portfolio-risk-manager-dev"]
    assert (risk["memory_size"], risk["timeout"], risk["package_type"]) == (3008, 900, "Image")
    assert risk["ephemeral_storage"] == {"size": 10240}
    assert risk["image_uri"].endswith(":1.0.0") and "aws_ecr_repository" in risk["image_uri"]
    aggregator = functions["pf-allocation-results-aggregator-dev"]
    assert (aggregator["memory_size"], aggregator["reserved_concurrent_executions"]) == (4096, 10)
    assert functions["pf-allocation-status-polling-dev"]["memory_size"] == 256
    assert functions["pf-allocation-results-retrieval-dev"]["memory_size"] == 1024
    assert functions["pf-allocation-hyperparameter-optimizer-dev"]["memory_size"] == 2048
    for function in functions.values():
        assert function["tracing_config"] == {"mode": "Active"}
        assert function["kms_key_arn"].startswith("${aws_kms_key.")
    zipped = [f for f in functions.values() if "package_type" not in f]
    assert {f["architectures"][0] for f in zipped} == {"arm64"}
    repository = by(allocation_dev, "aws_ecr_repository", "name")["pf-allocation-dev/risk-manager"]
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["encryption_configuration"][0]["encryption_type"] == "KMS"


def test_async_functions_have_a_dead_letter_queue(allocation_dev):
    functions = by(allocation_dev, "aws_lambda_function", "function_name")
    with_dlq = sorted(n for n, f in functions.items() if "dead_letter_config" in f)
    assert with_dlq == sorted(f"pf-allocation-{p}-dev" for p in (
        "portfolio-risk-manager", "hyperparameter-optimizer", "results-aggregator",
        "data-ingestion", "cleanup"))


def test_api_validation_usage_plan_cache_and_waf(allocation_dev):
    validators = resources(allocation_dev, "aws_api_gateway_request_validator")
    assert validators
    models = resources(allocation_dev, "aws_api_gateway_model").values()
    (model,) = [m for m in models if "OptimizationRequest" in m["schema"]]
    assert json.loads(model["schema"])["required"] == ["user_id", "assets"]
    (plan,) = resources(allocation_dev, "aws_api_gateway_usage_plan").values()
    assert plan["throttle_settings"]["rate_limit"] == 10
    stage = one(allocation_dev, "aws_api_gateway_stage")
    assert stage["cache_cluster_enabled"] is True
    settings = one(allocation_dev, "aws_api_gateway_method_settings")["settings"]
    assert settings["caching_enabled"] is True and settings["cache_ttl_in_seconds"] == 300
    assert settings["throttling_rate_limit"] == 10
    association = one(allocation_dev, "aws_wafv2_web_acl_association")
    assert association["resource_arn"].startswith("${aws_api_gateway_stage.")


def test_alarms_and_seven_year_logs(allocation_dev):
    alarms = by(allocation_dev, "aws_cloudwatch_metric_alarm", "alarm_name")
    # One alarm per function: CloudWatch's metric math reads at most 10 metrics per alarm.
    for part in FUNCTION_PARTS:
        error_rate = alarms[f"pf-allocation-{part}-error-rate-dev"]
        assert (error_rate["threshold"], error_rate["comparison_operator"]) == \
            (1, "GreaterThanThreshold")
        functions = {q["metric"]["dimensions"]["FunctionName"]
                     for q in error_rate["metric_query"] if "metric" in q}
        assert functions == {f"pf-allocation-{part}-dev"}
    assert all(len([q for q in a.get("metric_query", []) if "metric" in q]) <= 10
               for a in alarms.values())
    assert "pf-allocation-api-5xx-dev" in alarms and "pf-allocation-dynamodb-throttles-dev" in alarms
    groups = resources(allocation_dev, "aws_cloudwatch_log_group").values()
    assert {g["retention_in_days"] for g in groups} == {2557}
    keys = resources(allocation_dev, "aws_kms_key").values()
    # The stack's key rotates; the DNSSEC key-signing key (asymmetric) cannot.
    assert sorted((k["key_usage"] if "key_usage" in k else "ENCRYPT_DECRYPT",
                   k.get("enable_key_rotation", False)) for k in keys) == [
        ("ENCRYPT_DECRYPT", True), ("SIGN_VERIFY", False)]


def test_agent_team_supervisor_collaborators_guardrail_and_key(allocation_dev):
    agents = by(allocation_dev, "aws_bedrockagent_agent", "agent_name")
    assert sorted(agents) == sorted(f"pf-allocation-{k}-agent-dev" for k in (
        "portfolio-strategy", "market-analysis", "risk-assessment", "strategy-optimizer"))
    supervisor = agents["pf-allocation-portfolio-strategy-agent-dev"]
    assert supervisor["agent_collaboration"].startswith("SUPERVISOR")
    assert len(resources(allocation_dev, "aws_bedrockagent_agent_collaborator")) == 3
    for agent in agents.values():
        assert agent["customer_encryption_key_arn"].startswith("${aws_kms_key.")
        assert agent["guardrail_configuration"]
        assert agent["foundation_model"] == "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
    assert one(allocation_dev, "aws_bedrock_guardrail")["name"] == "pf-allocation-guardrail-dev"


def test_agents_can_be_left_out(tmp_path):
    from tests.systems.allocation.conftest import synth_allocation

    stack = synth_allocation(tmp_path, overrides={"systems": {"allocation": {"agents": {"enabled": False}}}})
    assert resources(stack, "aws_bedrockagent_agent") == {}
