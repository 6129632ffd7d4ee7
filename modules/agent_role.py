"""One Bedrock agent's service role and inline policy.

The role may invoke its foundation model; everything else (collaborators, its schema object and
action function, keys, the guardrail) arrives as statements from those constructs
(`read_statements()`, `invoke_statements()`, ...), so the role never grows a prop per resource.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document, service_trust


def model_resource_arns(model_id: str, *, account_id: str, region: str,
                        inference_regions: tuple[str, ...]) -> tuple[str, ...]:
    """ARNs a role needs to invoke `model_id`.

    A cross-region inference profile (`us.anthropic...`) routes to the foundation model in any
    of its regions, so the role needs the profile plus the model in each of those regions.
    """
    geo, _, base = model_id.partition(".")
    if geo in {"us", "eu", "apac", "us-gov", "global"} and base:
        profile = f"arn:aws:bedrock:{region}:{account_id}:inference-profile/{model_id}"
        models = tuple(f"arn:aws:bedrock:{r}::foundation-model/{base}" for r in inference_regions)
        return (profile, *models)
    return (f"arn:aws:bedrock:{region}::foundation-model/{model_id}",)


@dataclass(frozen=True)
class AgentRoleProps:
    role_name: str
    policy_name: str
    account_id: str
    region: str
    model_arns: tuple[str, ...]
    #: Everything else the agent may do, in the order it appears in the policy.
    extra_statements: tuple[Statement, ...] = ()


class AgentRole(Construct):
    """Exposes `role_arn`, `role_name` and `policy` (the aws_iam_role_policy resource)."""

    def __init__(self, scope: Construct, construct_id: str, props: AgentRoleProps) -> None:
        super().__init__(scope, construct_id)
        trust = policy_document(self, "trust", [service_trust(
            "bedrock.amazonaws.com", account_id=props.account_id,
            source_arn_pattern=f"arn:aws:bedrock:{props.region}:{props.account_id}:agent/*",
        )])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description="Service role of a Bedrock agent",
        )
        policy = policy_document(self, "policy_document", self._statements(props))
        self.policy = provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name=props.policy_name, role=role.id, policy=policy.json,
        )
        self.role_arn: str = role.arn
        self.role_name: str = role.name

    @staticmethod
    def _statements(props: AgentRoleProps) -> list[Statement]:
        return [Statement(
            sid="InvokeFoundationModel",
            actions=("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"),
            resources=props.model_arns,
        ), *props.extra_statements]
