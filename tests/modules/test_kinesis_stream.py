"""modules/kinesis_stream.py alone: capacity mode, retention, encryption (customer key or the
AWS-managed key), the read and write grants, and refused props."""

from __future__ import annotations

import pytest

from modules.kinesis_stream import KinesisStream, KinesisStreamProps
from modules.policy import policy_document
from tests.conftest import data_sources, one, synth_construct

KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"


def build(**props):
    captured = {}

    def add(stack):
        stream = KinesisStream(stack, "s", KinesisStreamProps(name="fraud-transactions-dev", **props))
        captured.update(read=stream.read_statements(), write=stream.write_statements(),
                        arn=stream.stream_arn)
        policy_document(stack, "grants", [*captured["read"], *captured["write"]])
    return synth_construct(add), captured


@pytest.fixture(scope="module")
def customer_key():
    return build(retention_hours=48, kms_key_arn=KEY)


def test_defaults_on_demand_one_day_aws_managed_key():
    stack, captured = build()
    stream = one(stack, "aws_kinesis_stream")
    assert stream["name"] == "fraud-transactions-dev"
    assert stream["stream_mode_details"] == {"stream_mode": "ON_DEMAND"}
    assert stream["retention_period"] == 24 and "shard_count" not in stream
    assert stream["encryption_type"] == "KMS" and stream["kms_key_id"] == "alias/aws/kinesis"
    # The managed key's policy covers use through Kinesis: no key statement is granted.
    (read,) = captured["read"]
    (write,) = captured["write"]
    assert read.sid == "ReadFraudTransactionsDev" and read.resources == (captured["arn"],)
    assert {"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
            "kinesis:ListShards"} <= set(read.actions)
    assert write.actions == ("kinesis:PutRecord", "kinesis:PutRecords")
    granted = [s["resources"] for s in data_sources(stack, "aws_iam_policy_document")["grants"]["statement"]]
    assert len(granted) == 2 and all(
        r[0].startswith("${aws_kinesis_stream.") and r[0].endswith(".arn}") for r in granted)


def test_customer_key_is_used_only_through_kinesis_in_its_region(customer_key):
    stack, captured = customer_key
    stream = one(stack, "aws_kinesis_stream")
    assert stream["kms_key_id"] == KEY and stream["retention_period"] == 48
    _, decrypt = captured["read"]
    _, encrypt = captured["write"]
    assert decrypt.actions == ("kms:Decrypt",) and encrypt.actions == ("kms:GenerateDataKey",)
    for statement in (decrypt, encrypt):
        assert statement.resources == (KEY,)
        assert statement.conditions == (
            ("StringEquals", "kms:ViaService", ("kinesis.eu-west-1.amazonaws.com",)),)
    assert {s.sid for s in captured["read"] + captured["write"]} == {
        "ReadFraudTransactionsDev", "DecryptFraudTransactionsDev", "WriteFraudTransactionsDev",
        "EncryptFraudTransactionsDev"}


def test_key_created_in_the_same_stack_takes_its_region_from_the_arn_at_apply_time():
    captured = {}

    def add(stack):
        key = stack_key(stack)
        stream = KinesisStream(stack, "s", KinesisStreamProps(name="t", kms_key_arn=key.arn))
        captured["read"] = stream.read_statements()

    def stack_key(stack):
        from modules.aws import provider_module
        return provider_module("kms_key").KmsKey(stack, "k", enable_key_rotation=True)
    synth_construct(add)
    _, decrypt = captured["read"]
    (condition,) = decrypt.conditions
    assert condition[1] == "kms:ViaService" and "${" in condition[2][0]


def test_provisioned_stream_has_its_shards():
    stack, _ = build(on_demand=False, shard_count=2)
    stream = one(stack, "aws_kinesis_stream")
    assert stream["stream_mode_details"] == {"stream_mode": "PROVISIONED"}
    assert stream["shard_count"] == 2


@pytest.mark.parametrize("props, message", [
    ({"retention_hours": 23}, "retention_hours is 23; 24-8760"),
    ({"retention_hours": 8761}, "retention_hours"),
    ({"shard_count": 1}, "shard_count is only for a provisioned stream"),
    ({"on_demand": False}, "needs shard_count"),
    ({"on_demand": False, "shard_count": 0}, "needs shard_count"),
])
def test_bad_props_are_refused(props, message):
    with pytest.raises(ValueError, match=message):
        KinesisStreamProps(name="s", **props)


def test_a_key_that_is_not_a_kms_arn_is_refused():
    stream_props = KinesisStreamProps(name="s", kms_key_arn="alias/mine")

    def add(stack):
        KinesisStream(stack, "s", stream_props).read_statements()
    with pytest.raises(ValueError, match="not a KMS key ARN"):
        synth_construct(add)
