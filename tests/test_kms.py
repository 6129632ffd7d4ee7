"""modules/kms.py."""

from __future__ import annotations

from tests.conftest import one, policy_statements


def test_key_rotates_and_lets_logs_use_it_only_for_this_account(dev):
    key = one(dev, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    assert one(dev, "aws_kms_alias")["name"] == "alias/pf-agents-dev"
    statements = {s["sid"]: s for s in policy_statements(dev, key["policy"])}
    logs = statements["CloudWatchLogsEncryptsOwnLogGroups"]
    assert logs["principals"] == [{"type": "Service", "identifiers": ["logs.us-east-1.amazonaws.com"]}]
    assert logs["condition"][0]["values"] == ["arn:aws:logs:us-east-1:618048437522:log-group:*"]


def test_state_key_is_undeletable_and_rotates(stacks):
    key = one(stacks["state-backend"], "aws_kms_key")
    assert key["enable_key_rotation"] is True
    assert key["lifecycle"]["prevent_destroy"] is True
    statements = policy_statements(stacks["state-backend"], key["policy"])
    assert [s["principals"] for s in statements] == [
        [{"type": "AWS", "identifiers": ["arn:aws:iam::618048437522:root"]}]]
