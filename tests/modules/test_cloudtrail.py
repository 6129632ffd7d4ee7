"""modules/cloudtrail.py alone: the trail's settings, its locked bucket that only this trail
writes to, its log group and delivery role, and the key statements."""

from __future__ import annotations

import pytest

from modules.access_log_bucket import AccessLogBucket, AccessLogBucketProps
from modules.cloudtrail import CloudTrail, CloudTrailProps
from tests.conftest import one, policy_statements, resources, statements_of, trust_of

KEY = "arn:aws:kms:us-east-1:111122223333:key/abc"
TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:111122223333:trail/t-trail"


def props(**changes) -> CloudTrailProps:
    values = dict(trail_name="t-trail", bucket_name="t-trail-bucket", log_group_name="/t/trail",
                  role_name="t-trail-logs", kms_key_arn=KEY, account_id="111122223333",
                  region="us-east-1", access_log_bucket="t-access-logs")
    return CloudTrailProps(**{**values, **changes})


@pytest.fixture(scope="module")
def stack():
    from tests.conftest import synth_construct

    def build(scope):
        logs = AccessLogBucket(scope, "logs", AccessLogBucketProps("t-access-logs", "111122223333"))
        CloudTrail(scope, "trail", props(access_log_bucket=logs.bucket_name, lock_mode="GOVERNANCE",
                                         retention_days=365, prevent_destroy=False))
    return synth_construct(build)


def test_trail_is_multi_region_validated_with_insights(stack):
    trail = one(stack, "aws_cloudtrail")
    assert trail["is_multi_region_trail"] and trail["enable_log_file_validation"]
    assert trail["kms_key_id"] == KEY
    assert len(trail["insight_selector"]) == 2
    assert trail["depends_on"] == ["aws_s3_bucket_policy.trail_bucket_policy_0D4CC66D"] or \
        trail["depends_on"][0].startswith("aws_s3_bucket_policy.trail_bucket_policy")


def test_bucket_locked_for_the_retention_and_logged(stack):
    lock = next(iter(resources(stack, "aws_s3_bucket_object_lock_configuration").values()))
    assert lock["rule"]["default_retention"] == {"mode": "GOVERNANCE", "days": 365}
    logging = one(stack, "aws_s3_bucket_logging")
    assert logging["target_prefix"] == "t-trail-bucket/"
    assert logging["target_bucket"].startswith("${aws_s3_bucket_policy.logs_bucket_policy")
    lifecycle = next(l for l in resources(stack, "aws_s3_bucket_lifecycle_configuration").values()
                     if "trail_bucket" in l["bucket"])
    archive = next(r for r in lifecycle["rule"] if r["id"] == "archive-trail-logs")
    assert archive["transition"] == [{"days": 90, "storage_class": "GLACIER"}]
    assert archive["expiration"] == [{"days": 365}]


def test_only_this_trail_writes_and_delivers_logs(stack):
    policy = next(p for p in resources(stack, "aws_s3_bucket_policy").values()
                  if "trail_bucket" in p["bucket"])
    statements = {s.get("sid"): s for s in policy_statements(stack, policy["policy"])}
    for sid in ("CloudTrailAclCheck", "CloudTrailWrite"):
        assert {"test": "StringEquals", "variable": "aws:SourceArn", "values": [TRAIL_ARN]} in \
            statements[sid]["condition"]
    group = one(stack, "aws_cloudwatch_log_group")
    assert (group["retention_in_days"], group["kms_key_id"]) == (365, KEY)
    assert {"test": "ArnLike", "variable": "aws:SourceArn", "values": [TRAIL_ARN]} in \
        trust_of(stack, "t-trail-logs")["condition"]
    (delivery,) = statements_of(stack, "t-trail-logs").values()
    assert delivery["actions"] == ["logs:CreateLogStream", "logs:PutLogEvents"]


def test_key_statements_limit_cloudtrail_to_the_trail():
    statements = CloudTrail.key_policy_statements("111122223333", "us-east-1", "t-trail")
    assert all(("StringEquals", "aws:SourceArn", (TRAIL_ARN,)) in s.conditions for s in statements)


@pytest.mark.parametrize("change,words", [
    ({"insights": ("Nope",)}, "insights"),
    ({"glacier_days": 3000}, "glacier_days"),
    ({"lock_mode": "LEGAL"}, "object lock mode"),
])
def test_bad_props_are_refused(change, words):
    from tests.conftest import synth_construct
    with pytest.raises(ValueError, match=words):
        synth_construct(lambda s: CloudTrail(s, "trail", props(**change)))
