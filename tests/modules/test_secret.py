"""modules/secret.py alone: no value in Terraform, readers get GetSecretValue and KMS via
Secrets Manager only, the missing rotation is explained by the caller."""

from __future__ import annotations

import pytest

from modules.secret import Secret, SecretProps
from modules.suppressions import suppressions_of
from tests.conftest import one, synth_construct

KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"
REASON = "The vendor rotates this value; no API exists for a rotation function."


def test_secret_without_value_and_its_grants():
    captured = {}

    def add(stack):
        secret = Secret(stack, "s", SecretProps(name="t/dev/api", description="d", kms_key_arn=KEY,
                                                region="eu-west-1", no_rotation_reason=REASON,
                                                grant_id="Api"))
        captured.update(statements=secret.read_statements(), arn=secret.secret_arn,
                        suppressions=suppressions_of(stack))
    stack = synth_construct(add)
    secret = one(stack, "aws_secretsmanager_secret")
    assert secret["name"] == "t/dev/api" and secret["kms_key_id"] == KEY
    assert secret["recovery_window_in_days"] == 30
    assert "aws_secretsmanager_secret_version" not in stack["resource"]
    read, decrypt = captured["statements"]
    assert (read.sid, read.actions, read.resources) == (
        "ReadApi", ("secretsmanager:GetSecretValue",), (captured["arn"],))
    assert decrypt.sid == "DecryptApi" and decrypt.conditions == (
        ("StringEquals", "kms:ViaService", ("secretsmanager.eu-west-1.amazonaws.com",)),)
    assert [(s.check_id, s.reason) for s in captured["suppressions"]] == [("CKV2_AWS_57", REASON)]


def test_a_secret_without_a_rotation_reason_is_refused():
    with pytest.raises(ValueError, match="reason"):
        synth_construct(lambda s: Secret(s, "s", SecretProps(name="t", description="d",
                                                             kms_key_arn=None, region="eu-west-1")))
