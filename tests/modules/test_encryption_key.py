"""modules/encryption_key.py alone: rotation, key policy, the logs and prevent_destroy branches."""

from __future__ import annotations

from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from tests.conftest import one, policy_statements, synth_construct


def key_stack(**props):
    return synth_construct(lambda stack: EncryptionKey(stack, "kms", EncryptionKeyProps(
        alias="alias/t", description="test key", account_id="111122223333", region="eu-west-1",
        **props)))


def test_defaults():
    stack = key_stack()
    key = one(stack, "aws_kms_key")
    assert key["enable_key_rotation"] is True and key["deletion_window_in_days"] == 30
    assert "lifecycle" not in key
    assert one(stack, "aws_kms_alias")["name"] == "alias/t"
    statements = policy_statements(stack, key["policy"])
    assert [s["sid"] for s in statements] == ["AccountAdministersKeyThroughIam"]
    assert statements[0]["principals"] == [{"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:root"]}]


def test_logs_may_use_it_for_this_accounts_log_groups_only():
    stack = key_stack(allow_cloudwatch_logs=True, prevent_destroy=True)
    key = one(stack, "aws_kms_key")
    assert key["lifecycle"] == {"prevent_destroy": True}
    logs = {s["sid"]: s for s in policy_statements(stack, key["policy"])}["CloudWatchLogsEncryptsOwnLogGroups"]
    assert logs["principals"] == [{"type": "Service", "identifiers": ["logs.eu-west-1.amazonaws.com"]}]
    assert logs["condition"][0]["values"] == ["arn:aws:logs:eu-west-1:111122223333:log-group:*"]


def test_state_key_is_undeletable_and_rotates(stacks):
    key = one(stacks["state-backend"], "aws_kms_key")
    assert key["enable_key_rotation"] is True
    assert key["lifecycle"]["prevent_destroy"] is True
