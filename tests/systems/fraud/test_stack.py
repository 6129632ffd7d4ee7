"""The fraud-detection stack's checkable facts, on the synthesized JSON of dev (and prod where
environments differ)."""

from __future__ import annotations

import json

from tests.conftest import one, ref_id, resources, statements_of


def by_name(stack: dict, resource_type: str, attribute: str = "name") -> dict[str, dict]:
    return {r[attribute]: r for r in resources(stack, resource_type).values()}


def test_four_tables_encrypted_with_the_customer_key_ttl_and_stream(fraud_dev):
    tables = by_name(fraud_dev, "aws_dynamodb_table")
    assert sorted(tables) == [f"fraud-detection-{t}-dev" for t in
                              ("decisions", "patterns", "transactions", "user-profiles")]
    for table in tables.values():
        assert table["server_side_encryption"]["enabled"] is True
        assert table["server_side_encryption"]["kms_key_arn"].startswith("${aws_kms_key.")
        assert table["billing_mode"] == "PAY_PER_REQUEST"
    for part in ("transactions", "decisions"):
        assert tables[f"fraud-detection-{part}-dev"]["ttl"]["enabled"] is True
    assert tables["fraud-detection-transactions-dev"]["stream_enabled"] is True


def test_three_buckets_versioned_private_encrypted_and_audit_log_locked(fraud_dev, fraud_prod):
    buckets = by_name(fraud_dev, "aws_s3_bucket", "bucket")
    assert sorted(buckets) == [f"fraud-detection-{b}-dev" for b in
                               ("audit-logs", "decision-trails", "models")]
    ids = {f"${{aws_s3_bucket.{key}.id}}": r["bucket"]
           for key, r in resources(fraud_dev, "aws_s3_bucket").items()}
    for versioning in resources(fraud_dev, "aws_s3_bucket_versioning").values():
        assert versioning["versioning_configuration"]["status"] == "Enabled"
    for block in resources(fraud_dev, "aws_s3_bucket_public_access_block").values():
        assert all(block[flag] for flag in ("block_public_acls", "block_public_policy",
                                            "ignore_public_acls", "restrict_public_buckets"))
    for sse in resources(fraud_dev, "aws_s3_bucket_server_side_encryption_configuration").values():
        assert sse["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    lifecycles = {ids[r["bucket"]]: r["rule"] for r in
                  resources(fraud_dev, "aws_s3_bucket_lifecycle_configuration").values()}
    audit = {rule["id"]: rule for rule in lifecycles["fraud-detection-audit-logs-dev"]}
    assert audit["age-current-versions"]["expiration"] == [{"days": 365}]
    assert [t["storage_class"] for t in audit["age-current-versions"]["transition"]] == [
        "STANDARD_IA", "GLACIER"]
    assert buckets["fraud-detection-audit-logs-dev"]["object_lock_enabled"] is True
    (lock,) = resources(fraud_dev, "aws_s3_bucket_object_lock_configuration").values()
    assert ids[lock["bucket"]] == "fraud-detection-audit-logs-dev"
    assert lock["rule"]["default_retention"] == {"mode": "GOVERNANCE", "days": 365}
    (prod_lock,) = resources(fraud_prod, "aws_s3_bucket_object_lock_configuration").values()
    assert prod_lock["rule"]["default_retention"]["mode"] == "COMPLIANCE"


def test_streams_on_demand_48_and_24_hours_kms(fraud_dev):
    streams = by_name(fraud_dev, "aws_kinesis_stream")
    assert {n: s["retention_period"] for n, s in streams.items()} == {
        "fraud-detection-transactions-dev": 48, "fraud-detection-events-dev": 24}
    for stream in streams.values():
        assert stream["stream_mode_details"] == {"stream_mode": "ON_DEMAND"}
        assert stream["encryption_type"] == "KMS" and stream["kms_key_id"].startswith("${aws_kms_key.")


def test_dlq_and_both_seed_lambdas_traced_with_the_dlq(fraud_dev):
    queue = one(fraud_dev, "aws_sqs_queue")
    assert queue["name"] == "fraud-detection-dlq-dev"
    assert queue["message_retention_seconds"] == 1209600 and "kms_master_key_id" in queue
    queue_arn = f"${{aws_sqs_queue.{next(iter(resources(fraud_dev, 'aws_sqs_queue')))}.arn}}"
    functions = by_name(fraud_dev, "aws_lambda_function", "function_name")
    for part in ("stream-processor", "alert-handler"):
        function = functions[f"fraud-detection-{part}-dev"]
        assert function["tracing_config"]["mode"] == "Active"
        assert function["dead_letter_config"]["target_arn"] == queue_arn
    mapping = one(fraud_dev, "aws_lambda_event_source_mapping")
    assert mapping["bisect_batch_on_function_error"] is True
    assert 0 <= mapping["maximum_retry_attempts"] <= 10
    assert mapping["destination_config"]["on_failure"]["destination_arn"] == queue_arn
    assert ref_id(mapping["event_source_arn"]) == ref_id(next(
        f"${{aws_kinesis_stream.{k}.arn}}" for k, s in resources(fraud_dev, "aws_kinesis_stream").items()
        if s["name"] == "fraud-detection-transactions-dev"))


def test_event_rule_routes_both_detail_types_to_the_alert_handler(fraud_dev):
    rule = one(fraud_dev, "aws_cloudwatch_event_rule")
    assert rule["name"] == "fraud-detection-events-dev"
    assert {"TransactionReceived", "FraudDetected"} <= set(json.loads(rule["event_pattern"])["detail-type"])
    target = one(fraud_dev, "aws_cloudwatch_event_target")
    handler = next(k for k, f in resources(fraud_dev, "aws_lambda_function").items()
                   if f["function_name"] == "fraud-detection-alert-handler-dev")
    assert target["arn"] == f"${{aws_lambda_function.{handler}.arn}}"
    assert "dead_letter_config" in target and target["retry_policy"]["maximum_retry_attempts"] == 3


def test_dashboard_six_widgets_and_alarms_to_the_topic(fraud_dev):
    dashboard = one(fraud_dev, "aws_cloudwatch_dashboard")
    assert dashboard["dashboard_name"] == "fraud-detection-dev"
    assert len(json.loads(dashboard["dashboard_body"])["widgets"]) == 6
    alarms = resources(fraud_dev, "aws_cloudwatch_metric_alarm")
    topic = f"${{aws_sns_topic.{next(iter(resources(fraud_dev, 'aws_sns_topic')))}.arn}}"
    assert len(alarms) >= 18
    assert all(a["alarm_actions"] == [topic] for a in alarms.values())
    namespaces = [a["namespace"] for a in alarms.values()]
    # 3 per function, 2 per stream, 2 per table.
    assert (namespaces.count("AWS/Kinesis"), namespaces.count("AWS/DynamoDB")) == (4, 8)
    assert namespaces.count("AWS/Lambda") == 3 * 3
    filters = resources(fraud_dev, "aws_cloudwatch_log_metric_filter").values()
    assert {f["metric_transformation"]["namespace"] for f in filters} == {"FraudDetection"}
    assert {f["metric_transformation"]["name"] for f in filters} == {"FraudEventsLogged",
                                                                     "ProcessingErrors"}


def test_roles_agent_knowledge_base_and_per_function(fraud_dev):
    roles = sorted(by_name(fraud_dev, "aws_iam_role"))
    assert roles == sorted(["fraud-detection-agent-role-dev", "fraud-detection-kb-role-dev",
                            *(f"fraud-detection-{f}-role-dev" for f in
                              ("stream-processor", "alert-handler", "agent-actions", "kb-index"))])
    agent = statements_of(fraud_dev, "fraud-detection-agent-role-dev")
    assert agent["RetrieveKnowledge"]["actions"] == ["bedrock:Retrieve"]
    processor = statements_of(fraud_dev, "fraud-detection-stream-processor-role-dev")
    assert processor["PutEvents"]["condition"][0]["values"] == ["fraud-detection"]
    assert "WriteAuditLog" in processor and "ReadFraudDetectionTransactionsDev" in processor
    handler = statements_of(fraud_dev, "fraud-detection-alert-handler-role-dev")
    assert {"PublishAlerts", "WriteFraudDetectionEventsDev",
            "WriteFraudDetectionTransactionsDev"} <= set(handler)
    assert not any(s.startswith("Write") and "Table" in s for s in handler)


def test_agent_with_action_group_knowledge_base_and_environment_alias(fraud_dev):
    agent = one(fraud_dev, "aws_bedrockagent_agent")
    assert agent["agent_name"] == "fraud-detection-agent-dev"
    assert agent["foundation_model"] == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert agent["guardrail_configuration"] and agent["customer_encryption_key_arn"]
    assert one(fraud_dev, "aws_bedrockagent_agent_action_group")["action_group_name"] == "fraud-lookups"
    association = one(fraud_dev, "aws_bedrockagent_agent_knowledge_base_association")
    assert association["knowledge_base_state"] == "ENABLED"
    alias = one(fraud_dev, "aws_bedrockagent_agent_alias")
    assert alias["agent_alias_name"] == "dev"
    group = one(fraud_dev, "aws_bedrockagent_agent_action_group")
    assert any("association" in d for d in group["depends_on"])


def test_vector_store_comes_up_from_terraform_alone(fraud_dev, fraud_prod):
    collection = one(fraud_dev, "aws_opensearchserverless_collection")
    assert collection["type"] == "VECTORSEARCH" and collection["name"] == "fraud-kb-dev"
    assert collection["standby_replicas"] == "DISABLED"
    assert one(fraud_prod, "aws_opensearchserverless_collection")["standby_replicas"] == "ENABLED"
    policies = {p["type"]: json.loads(p["policy"]) for p in
                resources(fraud_dev, "aws_opensearchserverless_security_policy").values()}
    assert policies["encryption"]["AWSOwnedKey"] is False
    invocation = one(fraud_dev, "aws_lambda_invocation")
    request = json.loads(invocation["input"])
    assert request["dimensions"] == 1024 and request["fields"]["vector"] == "embedding"
    kb = one(fraud_dev, "aws_bedrockagent_knowledge_base")
    assert any("aws_lambda_invocation" in d for d in kb["depends_on"])
    storage = kb["storage_configuration"][0]["opensearch_serverless_configuration"][0]
    assert storage["vector_index_name"] == request["index"]
    source = one(fraud_dev, "aws_bedrockagent_data_source")
    assert source["data_source_configuration"][0]["s3_configuration"][0]["inclusion_prefixes"] == ["knowledge/"]
    access = json.loads(one(fraud_dev, "aws_opensearchserverless_access_policy")["policy"])
    assert sorted(access[0]["Principal"]) == [
        "arn:aws:iam::618048437522:role/fraud-detection-kb-index-role-dev",
        "arn:aws:iam::618048437522:role/fraud-detection-kb-role-dev"]

