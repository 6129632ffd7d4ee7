"""A Bedrock guardrail (content and prompt-attack filters) and a published version of it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement

CONTENT_CATEGORIES = ("HATE", "INSULTS", "MISCONDUCT", "SEXUAL", "VIOLENCE")


@dataclass(frozen=True)
class GuardrailProps:
    name: str
    kms_key_arn: str | None
    #: NONE, LOW, MEDIUM or HIGH for every content category, input and output.
    filter_strength: str = "HIGH"
    #: Strength of the prompt-attack (jailbreak / injection) filter on input.
    prompt_attack_strength: str = "HIGH"
    #: What the user reads when the input is blocked; say what the agents can help with.
    blocked_input_message: str = "Sorry, I can't help with that request."
    #: What the user reads when the answer is blocked.
    blocked_output_message: str = "Sorry, I can't share that answer."


class Guardrail(Construct):
    """Exposes `guardrail_id`, `guardrail_arn`, `version` (the published version number) and
    `apply_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: GuardrailProps) -> None:
        super().__init__(scope, construct_id)
        module = provider_module("bedrock_guardrail")
        strengths = [(category, props.filter_strength, props.filter_strength)
                     for category in CONTENT_CATEGORIES]
        # Prompt attacks only exist in input; Bedrock requires output strength NONE for them.
        strengths.append(("PROMPT_ATTACK", props.prompt_attack_strength, "NONE"))
        filters = [module.BedrockGuardrailContentPolicyConfigFiltersConfig(
            type=kind, input_strength=inp, output_strength=out) for kind, inp, out in strengths]
        guardrail = module.BedrockGuardrail(
            self, "guardrail",
            name=props.name,
            description="Content and prompt-attack filters for every agent of the system",
            blocked_input_messaging=props.blocked_input_message,
            blocked_outputs_messaging=props.blocked_output_message,
            content_policy_config=[module.BedrockGuardrailContentPolicyConfig(filters_config=filters)],
            kms_key_arn=props.kms_key_arn,
        )
        # The description carries a digest of the configuration, so a changed filter publishes
        # a new version (the version resource is replaced) and agents move to it.
        digest = hashlib.sha256(json.dumps(
            [strengths, props.blocked_input_message, props.blocked_output_message], sort_keys=True,
        ).encode()).hexdigest()[:16]
        version = provider_module("bedrock_guardrail_version").BedrockGuardrailVersion(
            self, "version", guardrail_arn=guardrail.guardrail_arn,
            description=f"configuration {digest}",
            # Versions are immutable snapshots: publish the new one before agents move to it and
            # keep the old one, which agents may still reference while they are updated.
            skip_destroy=True,
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.guardrail_id: str = guardrail.guardrail_id
        self.guardrail_arn: str = guardrail.guardrail_arn
        self.version: str = version.version

    def apply_statements(self) -> tuple[Statement, ...]:
        """What an agent's role needs to apply this guardrail."""
        return (Statement(sid="ApplyGuardrail", actions=("bedrock:ApplyGuardrail",),
                          resources=(self.guardrail_arn,)),)
