"""modules/guardrail.py alone: filters, neutral default messages, versioning, grants."""

from __future__ import annotations

from modules.guardrail import Guardrail, GuardrailProps
from tests.conftest import one, synth_construct


def test_defaults_filter_content_and_prompt_attacks():
    captured = {}

    def add(stack):
        captured["guardrail"] = Guardrail(stack, "g", GuardrailProps(name="t", kms_key_arn=None))
    stack = synth_construct(add)
    guardrail = one(stack, "aws_bedrock_guardrail")
    filters = {f["type"]: f for f in guardrail["content_policy_config"][0]["filters_config"]}
    assert set(filters) == {"HATE", "INSULTS", "MISCONDUCT", "SEXUAL", "VIOLENCE", "PROMPT_ATTACK"}
    assert filters["HATE"]["input_strength"] == "HIGH" and filters["HATE"]["output_strength"] == "HIGH"
    assert filters["PROMPT_ATTACK"] == {"type": "PROMPT_ATTACK", "input_strength": "HIGH",
                                        "output_strength": "NONE"}
    assert guardrail["blocked_input_messaging"] == "Sorry, I can't help with that request."
    assert "kms_key_arn" not in guardrail
    version = one(stack, "aws_bedrock_guardrail_version")
    assert version["skip_destroy"] is True and version["lifecycle"] == {"create_before_destroy": True}
    assert version["description"].startswith("configuration ")
    (apply,) = captured["guardrail"].apply_statements()
    assert apply.actions == ("bedrock:ApplyGuardrail",)
    assert apply.resources == (captured["guardrail"].guardrail_arn,)


def test_a_changed_message_publishes_a_new_version():
    def version(message):
        stack = synth_construct(lambda s: Guardrail(s, "g", GuardrailProps(
            name="t", kms_key_arn="arn:aws:kms:eu-west-1:1:key/k", blocked_input_message=message)))
        assert one(stack, "aws_bedrock_guardrail")["kms_key_arn"] == "arn:aws:kms:eu-west-1:1:key/k"
        return one(stack, "aws_bedrock_guardrail_version")["description"]
    assert version("No.") != version("Not that.")
