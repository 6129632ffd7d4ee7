"""modules/secure_bucket.py alone: the optional Object Lock and the extra lifecycle rules for
current versions, the default bucket unchanged without them, and refused props."""

from __future__ import annotations

import pytest

from modules.secure_bucket import LifecycleRule, ObjectLock, SecureBucket, SecureBucketProps
from tests.conftest import one, ref_id, resources, synth_construct

KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"
AGING = ((30, "STANDARD_IA"), (90, "GLACIER"))
NONCURRENT = {"id": "expire-noncurrent-versions", "status": "Enabled", "filter": [{"prefix": ""}],
              "noncurrent_version_expiration": [{"noncurrent_days": 90}],
              "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}]}


def build(**props):
    captured = {}

    def add(stack):
        bucket = SecureBucket(stack, "audit", SecureBucketProps(
            bucket_name="pf-dev-audit", kms_key_arn=KEY, **props))
        captured["lock"] = bucket.object_lock
    return synth_construct(add), captured


@pytest.fixture(scope="module")
def locked():
    return build(object_lock=ObjectLock(mode="COMPLIANCE", days=365), lifecycle_rules=(
        LifecycleRule(id="age-current-versions", transitions=AGING, expiration_days=400),
        LifecycleRule(id="archive-reports", transitions=((0, "GLACIER_IR"),), prefix="reports/")))


def test_without_lock_or_rules_the_bucket_has_one_lifecycle_rule_and_no_lock():
    stack, captured = build()
    assert "object_lock_enabled" not in one(stack, "aws_s3_bucket")
    assert "aws_s3_bucket_object_lock_configuration" not in stack["resource"]
    assert captured["lock"] is None
    assert one(stack, "aws_s3_bucket_lifecycle_configuration")["rule"] == [NONCURRENT]


def test_object_lock_is_on_at_creation_with_its_default_retention_after_versioning(locked):
    stack, captured = locked
    bucket_key = next(iter(resources(stack, "aws_s3_bucket")))
    assert one(stack, "aws_s3_bucket")["object_lock_enabled"] is True
    lock = one(stack, "aws_s3_bucket_object_lock_configuration")
    assert ref_id(lock["bucket"]) == bucket_key
    assert lock["rule"] == {"default_retention": {"mode": "COMPLIANCE", "days": 365}}
    versioning = next(iter(resources(stack, "aws_s3_bucket_versioning")))
    assert lock["depends_on"] == [f"aws_s3_bucket_versioning.{versioning}"]
    assert captured["lock"] is not None


def test_extra_rules_follow_the_noncurrent_rule_with_unique_ids(locked):
    stack, _ = locked
    rules = one(stack, "aws_s3_bucket_lifecycle_configuration")["rule"]
    assert [r["id"] for r in rules] == ["expire-noncurrent-versions", "age-current-versions",
                                        "archive-reports"]
    assert rules[0] == NONCURRENT
    assert rules[1] == {"id": "age-current-versions", "status": "Enabled",
                        "filter": [{"prefix": ""}],
                        "transition": [{"days": 30, "storage_class": "STANDARD_IA"},
                                       {"days": 90, "storage_class": "GLACIER"}],
                        "expiration": [{"days": 400}]}
    assert rules[2] == {"id": "archive-reports", "status": "Enabled",
                        "filter": [{"prefix": "reports/"}],
                        "transition": [{"days": 0, "storage_class": "GLACIER_IR"}]}


@pytest.mark.parametrize("make, message", [
    (lambda: ObjectLock(mode="LEGAL_HOLD"), "mode 'LEGAL_HOLD' is not one of GOVERNANCE, COMPLIANCE"),
    (lambda: ObjectLock(mode="GOVERNANCE", days=0), "1-36500"),
    (lambda: LifecycleRule(id="x"), "give transitions, expiration_days or both"),
    (lambda: LifecycleRule(id="expire-noncurrent-versions", expiration_days=5), "bucket's own rule"),
    (lambda: LifecycleRule(id="", expiration_days=5), "1-255 characters"),
    (lambda: LifecycleRule(id="x", transitions=((90, "GLACIER"), (30, "STANDARD_IA"))),
     "increasing, distinct days"),
    (lambda: LifecycleRule(id="x", transitions=((30, "COLD"),)), "storage class 'COLD'"),
    (lambda: LifecycleRule(id="x", transitions=((10, "STANDARD_IA"),)), "at least 30 days"),
    (lambda: LifecycleRule(id="x", transitions=AGING, expiration_days=90),
     "after the last transition"),
    (lambda: SecureBucketProps(bucket_name="b", kms_key_arn=None, lifecycle_rules=(
        LifecycleRule(id="x", expiration_days=5),) * 2), "ids must be unique"),
    (lambda: SecureBucketProps(bucket_name="b", kms_key_arn=None,
                               object_lock=ObjectLock(mode="GOVERNANCE", days=365),
                               lifecycle_rules=(LifecycleRule(id="x", expiration_days=30),)),
     "before the 365-day Object Lock retention ends"),
])
def test_props_refuse_impossible_retention(make, message):
    with pytest.raises(ValueError, match=message):
        make()
