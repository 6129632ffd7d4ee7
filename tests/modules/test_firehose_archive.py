"""modules/firehose_archive.py alone: Kinesis source, dated S3 prefixes, error prefix, KMS,
buffering, CloudWatch logging, and a role limited to its stream, prefixes and key."""

from __future__ import annotations

import pytest

from modules.firehose_archive import FirehoseArchive, FirehoseArchiveProps
from modules.policy import Statement
from tests.conftest import one, policy_statements, synth_construct

STREAM = "arn:aws:kinesis:us-east-1:111122223333:stream/s"
BUCKET = "arn:aws:s3:::b"
KEY = "arn:aws:kms:us-east-1:111122223333:key/k"


def props(**overrides) -> FirehoseArchiveProps:
    return FirehoseArchiveProps(**{
        "name": "s-archive", "role_name": "r", "policy_name": "p", "log_group_name": "/aws/kinesisfirehose/s",
        "account_id": "111122223333", "region": "us-east-1", "stream_arn": STREAM,
        "stream_read_statements": (Statement(sid="ReadS", actions=("kinesis:GetRecords",), resources=(STREAM,)),),
        "bucket_arn": BUCKET, "prefix": "raw/s/", "error_prefix": "errors/s/", "bucket_kms_key_arn": KEY,
        "log_kms_key_arn": KEY, **overrides})


def test_delivery_stream_and_role():
    stack = synth_construct(lambda s: FirehoseArchive(s, "a", props()))
    stream = one(stack, "aws_kinesis_firehose_delivery_stream")
    assert stream["destination"] == "extended_s3"
    assert stream["kinesis_source_configuration"]["kinesis_stream_arn"] == STREAM
    s3 = stream["extended_s3_configuration"]
    assert s3["prefix"] == "raw/s/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
    assert s3["error_output_prefix"].startswith("errors/s/!{firehose:error-output-type}/")
    assert (s3["buffering_size"], s3["buffering_interval"], s3["kms_key_arn"]) == (5, 300, KEY)
    assert s3["cloudwatch_logging_options"]["enabled"] is True
    role = one(stack, "aws_iam_role")
    (trust,) = policy_statements(stack, role["assume_role_policy"])
    assert trust["principals"][0]["identifiers"] == ["firehose.amazonaws.com"]
    assert {c["variable"]: c["values"] for c in trust["condition"]}["aws:SourceArn"] == [
        "arn:aws:firehose:us-east-1:111122223333:deliverystream/s-archive"]
    statements = {s["sid"]: s for s in policy_statements(stack, one(stack, "aws_iam_role_policy")["policy"])}
    assert statements["WriteArchiveObjects"]["resources"] == [f"{BUCKET}/raw/s/*", f"{BUCKET}/errors/s/*"]
    assert statements["ReadS"]["resources"] == [STREAM]
    conditions = {c["variable"]: c["values"] for c in statements["EncryptArchiveObjects"]["condition"]}
    assert conditions == {"kms:ViaService": ["s3.us-east-1.amazonaws.com"], "kms:EncryptionContext:aws:s3:arn": [f"{BUCKET}/*"]}
    assert one(stack, "aws_cloudwatch_log_group")["kms_key_id"] == KEY


@pytest.mark.parametrize("overrides, field", [
    (dict(prefix="raw"), "prefix"), (dict(error_prefix="/e/"), "error_prefix"),
    (dict(buffering_size_mb=0), "buffering_size_mb"), (dict(buffering_interval_seconds=901), "buffering_interval_seconds"),
])
def test_bad_props_are_refused(overrides, field):
    with pytest.raises(ValueError, match=field):
        props(**overrides)
