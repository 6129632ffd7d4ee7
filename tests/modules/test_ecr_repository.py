"""modules/ecr_repository.py alone: immutable, scanned, KMS-encrypted, lifecycle-limited, and
pulled only by the named services of this account."""

from __future__ import annotations

import json

import pytest

from modules.ecr_repository import PULL_ACTIONS, EcrRepository, EcrRepositoryProps
from tests.conftest import one, policy_statements, synth_construct

KEY = "arn:aws:kms:us-east-1:111122223333:key/abc"


@pytest.fixture(scope="module")
def stack():
    return synth_construct(lambda s: EcrRepository(s, "repo", EcrRepositoryProps(
        "t/images", KEY, "111122223333", "us-east-1", keep_images=5)))


def test_repository_settings(stack):
    repo = one(stack, "aws_ecr_repository")
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["image_scanning_configuration"] == {"scan_on_push": True}
    assert repo["encryption_configuration"] == [{"encryption_type": "KMS", "kms_key": KEY}]
    (rule,) = json.loads(one(stack, "aws_ecr_lifecycle_policy")["policy"])["rules"]
    assert rule["selection"]["countNumber"] == 5 and rule["action"] == {"type": "expire"}


def test_only_lambda_of_this_account_pulls(stack):
    (statement,) = policy_statements(stack, one(stack, "aws_ecr_repository_policy")["policy"])
    assert statement["actions"] == list(PULL_ACTIONS)
    assert statement["principals"] == [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}]
    assert statement["condition"][0]["values"] == ["111122223333"]


def test_keep_images_is_bounded():
    with pytest.raises(ValueError, match="keep_images"):
        EcrRepositoryProps("r", KEY, "1", "us-east-1", keep_images=0)
