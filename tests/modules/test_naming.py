"""modules/naming.py + modules/aws_rules.py: rule checks name the service and the rule."""

from __future__ import annotations

from modules import aws_rules
from modules.naming import Naming, first_violation


def test_env_suffix_and_first_violation():
    naming = Naming("pf", "dev", "111122223333")
    assert naming.env("pf-x") == "pf-x-dev"
    assert first_violation([(aws_rules.LAMBDA_FUNCTION, "ok-name")]) is None
    problem = first_violation([(aws_rules.BEDROCK_GUARDRAIL, "g" * 51)])
    assert problem and "Bedrock guardrail" in problem and "1-50" in problem
    bucket = first_violation([(aws_rules.S3_BUCKET, "Upper_Case")])
    assert bucket and "S3 bucket" in bucket and "lowercase" in bucket


def test_scopes_of_uniqueness():
    assert aws_rules.S3_BUCKET.scope == "global"
    assert aws_rules.IAM_ROLE.scope == "account"
    assert aws_rules.IAM_POLICY.scope == "parent"  # inline: unique per role only
    assert aws_rules.LAMBDA_FUNCTION.scope == "region"
