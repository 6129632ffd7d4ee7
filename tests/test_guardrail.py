"""modules/guardrail.py."""

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
    assert version["description"].startswith("configuration ")
    assert version["skip_destroy"] is True
    assert version["lifecycle"] == {"create_before_destroy": True}
