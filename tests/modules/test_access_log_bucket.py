"""modules/access_log_bucket.py alone: SSE-S3 (S3 logging refuses SSE-KMS targets), only this
account's S3 logging service writes, logs expire after the retention; and SecureBucket's
access-logging option."""

from __future__ import annotations

import pytest

from modules.access_log_bucket import AccessLogBucket, AccessLogBucketProps
from modules.secure_bucket import SecureBucket, SecureBucketProps
from tests.conftest import one, policy_statements, resources, synth_construct


@pytest.fixture(scope="module")
def stack():
    def build(scope):
        logs = AccessLogBucket(scope, "logs", AccessLogBucketProps("t-logs", "111122223333",
                                                                   retention_days=400))
        SecureBucket(scope, "data", SecureBucketProps("t-data", None, access_log_bucket=logs.bucket_name,
                                                      access_log_prefix="data/"))
        SecureBucket(scope, "plain", SecureBucketProps("t-plain", None))
    return synth_construct(build)


def test_logging_service_of_this_account_writes(stack):
    policy = next(p for p in resources(stack, "aws_s3_bucket_policy").values() if "logs_" in p["bucket"])
    statements = {s.get("sid"): s for s in policy_statements(stack, policy["policy"])}
    delivery = statements["S3ServerAccessLogsDelivery"]
    assert delivery["principals"] == [{"type": "Service", "identifiers": ["logging.s3.amazonaws.com"]}]
    assert {"test": "StringEquals", "variable": "aws:SourceAccount",
            "values": ["111122223333"]} in delivery["condition"]
    lifecycle = next(l for l in resources(stack, "aws_s3_bucket_lifecycle_configuration").values()
                     if "logs_" in l["bucket"])
    assert {"days": 400} in [e for r in lifecycle["rule"] for e in r.get("expiration", [])]


def test_only_the_bucket_asking_for_it_is_logged(stack):
    logging = one(stack, "aws_s3_bucket_logging")
    assert logging["target_prefix"] == "data/"
    assert logging["bucket"].startswith("${aws_s3_bucket.data_bucket")
