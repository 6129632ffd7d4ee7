"""modules/guardrail.py and modules/kms.py."""

from __future__ import annotations

from tests.conftest import one, policy_statements


def test_guardrail_filters_content_and_prompt_attacks(dev):
    guardrail = one(dev, "aws_bedrock_guardrail")
    assert guardrail["name"] == "pf-guardrail-dev"
    filters = {f["type"]: f for f in guardrail["content_policy_config"][0]["filters_config"]}
    assert set(filters) == {"HATE", "INSULTS", "MISCONDUCT", "SEXUAL", "VIOLENCE", "PROMPT_ATTACK"}
    assert filters["PROMPT_ATTACK"] == {"type": "PROMPT_ATTACK", "input_strength": "HIGH",
                                        "output_strength": "NONE"}
    assert guardrail["kms_key_arn"].startswith("${aws_kms_key.")
    version = one(dev, "aws_bedrock_guardrail_version")
    assert version["guardrail_arn"].endswith(".guardrail_arn}")


def test_key_rotates_and_lets_logs_use_it_only_for_this_account(dev):
    key = one(dev, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    assert one(dev, "aws_kms_alias")["name"] == "alias/pf-agents-dev"
    statements = {s["sid"]: s for s in policy_statements(dev, key["policy"])}
    logs = statements["CloudWatchLogsEncryptsOwnLogGroups"]
    assert logs["principals"] == [{"type": "Service", "identifiers": ["logs.us-east-1.amazonaws.com"]}]
    assert logs["condition"][0]["values"] == ["arn:aws:logs:us-east-1:618048437522:log-group:*"]
