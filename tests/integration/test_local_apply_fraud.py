"""The fraud-detection system on the emulator: `dev-fraud`, applied by the session's CLI apply
(`apply --env dev` applies every `dev-<system>` stack after the bootstrap), then planned once
more. Nothing is applied here: the module plans once and reads what the emulator holds.

Skipped: the Bedrock resources (agent, action group, alias, knowledge base and its data source,
the association, the guardrail and its version), what names them (the agent role's policy, the
agent's invoke permission), and two moto gaps: the collection's data access policy and the
`aws_lambda_invocation` that creates the vector index.
"""

from __future__ import annotations

import pytest

from modules.local_aws.local_apply import BEDROCK_REASON, EMULATOR_GAPS

pytestmark = pytest.mark.integration

STACK = "dev-fraud"
GAPS = {"aws_opensearchserverless_access_policy", "aws_lambda_invocation"}


@pytest.fixture(scope="module")
def config(cli_apply, local):
    return local.config(STACK)


@pytest.fixture(scope="module")
def selection(cli_apply, local):
    return local.selection(STACK)


@pytest.fixture(scope="module")
def second_plan(cli_apply, local):
    return local.plan_exitcode(STACK)


def bodies(config: dict, resource_type: str) -> dict[str, dict]:
    return {f"{resource_type}.{name}": body
            for name, body in config["resource"].get(resource_type, {}).items()}


def reference(expression: str) -> str:
    """`${aws_x.name.attr}` -> `aws_x.name`."""
    return ".".join(expression.strip("${}").split(".")[:2])


def test_everything_but_bedrock_and_two_moto_gaps_is_applied(cli_apply, local, selection):
    _, summary = cli_apply
    assert (f"[{STACK}] Apply complete! Resources: {len(selection.targets)} added, 0 changed, "
            "0 destroyed.") in summary
    assert f"applied (now in state): {len(selection.targets)} resource(s)" in summary
    assert sorted(local.state_addresses(STACK)) == sorted(selection.targets)
    skipped = {s.address: s.reason for s in selection.skipped}
    for address, reason in skipped.items():
        kind = address.split(".")[0]
        if kind.startswith(("aws_bedrock_", "aws_bedrockagent_")):
            assert reason == BEDROCK_REASON
        elif kind in GAPS:
            assert reason == EMULATOR_GAPS[kind]
        else:
            assert reason.startswith("depends on aws_bedrock"), (address, reason)
        assert f"    {address}: {reason}" in summary
    assert GAPS <= {address.split(".")[0] for address in skipped}
    applied = set(selection.types())
    assert {"aws_kinesis_stream", "aws_lambda_event_source_mapping", "aws_dynamodb_table",
            "aws_s3_bucket_object_lock_configuration", "aws_opensearchserverless_collection",
            "aws_opensearchserverless_security_policy", "aws_cloudwatch_log_metric_filter",
            "aws_cloudwatch_event_target", "aws_sqs_queue"} <= applied


def test_second_plan_shows_no_changes(second_plan):
    code, output = second_plan
    assert code == 0, output[-4000:]
    assert "No changes." in output


def test_streams_keep_retention_encryption_and_tags(cli_apply, config, aws):
    streams = bodies(config, "aws_kinesis_stream")
    assert len(streams) == 2
    for body in streams.values():
        summary = aws("kinesis").describe_stream_summary(
            StreamName=body["name"])["StreamDescriptionSummary"]
        assert summary["RetentionPeriodHours"] == body["retention_period"]
        assert summary["StreamModeDetails"]["StreamMode"] == "ON_DEMAND"
        assert summary["EncryptionType"] == "KMS"
        # Emulator gap 6: the tags sent with CreateStream are kept.
        tags = {t["Key"]: t["Value"] for t in
                aws("kinesis").list_tags_for_stream(StreamName=body["name"])["Tags"]}
        assert tags.get("Project") == "fraud-detection", tags


def test_transactions_table_has_ttl_and_a_change_stream(cli_apply, config, aws):
    tables = {b["name"]: b for b in bodies(config, "aws_dynamodb_table").values()}
    assert len(tables) == 4
    for name, body in tables.items():
        ttl = aws("dynamodb").describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if "ttl" in body:
            assert ttl == {"TimeToLiveStatus": "ENABLED",
                           "AttributeName": body["ttl"]["attribute_name"]}
        stream = aws("dynamodb").describe_table(TableName=name)["Table"].get("StreamSpecification")
        if body.get("stream_enabled"):
            assert stream == {"StreamEnabled": True, "StreamViewType": body["stream_view_type"]}
        else:
            assert not stream or not stream.get("StreamEnabled")
    assert sum(bool(b.get("stream_enabled")) for b in tables.values()) == 1


def test_dead_letter_queue_retention_and_the_processor_trigger(cli_apply, config, aws):
    (queue,) = bodies(config, "aws_sqs_queue").values()
    url = aws("sqs").get_queue_url(QueueName=queue["name"])["QueueUrl"]
    attributes = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert int(attributes["MessageRetentionPeriod"]) == queue["message_retention_seconds"] == 1209600
    (mapping_body,) = bodies(config, "aws_lambda_event_source_mapping").values()
    stream = bodies(config, "aws_kinesis_stream")[reference(mapping_body["event_source_arn"])]
    stream_arn = aws("kinesis").describe_stream_summary(
        StreamName=stream["name"])["StreamDescriptionSummary"]["StreamARN"]
    (mapping,) = aws("lambda").list_event_source_mappings(
        EventSourceArn=stream_arn)["EventSourceMappings"]
    function = bodies(config, "aws_lambda_function")[reference(mapping_body["function_name"])]
    assert mapping["FunctionArn"].endswith(f":function:{function['function_name']}")
    assert stream["name"] == "fraud-detection-transactions-dev"
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == mapping_body["maximum_retry_attempts"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == attributes["QueueArn"]


def test_audit_log_is_locked_and_aged(cli_apply, config, aws):
    (lock_body,) = bodies(config, "aws_s3_bucket_object_lock_configuration").values()
    audit = next(b["bucket"] for b in bodies(config, "aws_s3_bucket").values()
                 if b.get("object_lock_enabled"))
    lock = aws("s3").get_object_lock_configuration(Bucket=audit)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    retention = lock["Rule"]["DefaultRetention"]
    wanted = lock_body["rule"]["default_retention"]
    assert (retention["Mode"], retention["Days"]) == (wanted["mode"], wanted["days"])
    rules = {r["ID"]: r for r in
             aws("s3").get_bucket_lifecycle_configuration(Bucket=audit)["Rules"]}
    assert sorted(rules) == ["age-current-versions", "expire-noncurrent-versions"]
    assert rules["age-current-versions"]["Expiration"]["Days"] == wanted["days"]


def test_vector_collection_without_standby_replicas_in_dev(cli_apply, config, aws):
    (body,) = bodies(config, "aws_opensearchserverless_collection").values()
    (collection,) = aws("opensearchserverless").batch_get_collection(
        names=[body["name"]])["collectionDetails"]
    assert collection["type"] == "VECTORSEARCH"
    assert collection["standbyReplicas"] == body["standby_replicas"] == "DISABLED"
