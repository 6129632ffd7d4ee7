"""modules/security_services.py and modules/account_baseline.py alone: Security Hub with
explicit standards, GuardDuty with features, Access Analyzer, Macie; password policy, account
public access block and EBS encryption."""

from __future__ import annotations

import pytest

from modules.account_baseline import AccountBaseline, AccountBaselineProps, PasswordPolicy
from modules.security_services import SecurityServices, SecurityServicesProps
from tests.conftest import one, resources, synth_construct


@pytest.fixture(scope="module")
def stack():
    def build(scope):
        SecurityServices(scope, "security", SecurityServicesProps(
            region="eu-west-1", analyzer_name="t-analyzer",
            standards=("cis-3.0.0", "aws-foundational"), guardduty_features=("S3_DATA_EVENTS",),
            macie=False))
        AccountBaseline(scope, "account", AccountBaselineProps(
            password=PasswordPolicy(minimum_length=16, max_age_days=60),
            ebs_kms_key_arn="arn:aws:kms:eu-west-1:111122223333:key/abc"))
    return synth_construct(build)


def test_hub_with_explicit_standards_in_the_region(stack):
    assert one(stack, "aws_securityhub_account")["enable_default_standards"] is False
    arns = sorted(s["standards_arn"] for s in resources(stack, "aws_securityhub_standards_subscription").values())
    assert arns == ["arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0",
                    "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0"]


def test_guardduty_analyzer_and_no_macie(stack):
    assert one(stack, "aws_guardduty_detector")["finding_publishing_frequency"] == "FIFTEEN_MINUTES"
    assert one(stack, "aws_guardduty_detector_feature")["name"] == "S3_DATA_EVENTS"
    assert one(stack, "aws_accessanalyzer_analyzer")["type"] == "ACCOUNT"
    assert resources(stack, "aws_macie2_account") == {}


def test_account_baseline(stack):
    policy = one(stack, "aws_iam_account_password_policy")
    assert (policy["minimum_password_length"], policy["max_password_age"],
            policy["password_reuse_prevention"]) == (16, 60, 24)
    assert one(stack, "aws_ebs_encryption_by_default")["enabled"] is True
    assert one(stack, "aws_ebs_default_kms_key")["key_arn"].endswith(":key/abc")
    block = one(stack, "aws_s3_account_public_access_block")
    assert block["restrict_public_buckets"] is True and block["block_public_policy"] is True


@pytest.mark.parametrize("make,words", [
    (lambda: SecurityServicesProps("us-east-1", "a", standards=("pci",)), "standards"),
    (lambda: SecurityServicesProps("us-east-1", "a", guardduty_features=("X",)), "guardduty"),
    (lambda: SecurityServicesProps("us-east-1", "a", finding_frequency="DAILY"), "finding_frequency"),
    (lambda: PasswordPolicy(minimum_length=8), "14"),
    (lambda: PasswordPolicy(max_age_days=365), "max_age_days"),
])
def test_bad_props_are_refused(make, words):
    with pytest.raises(ValueError, match=words):
        make()
