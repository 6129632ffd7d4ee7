"""One Bedrock agent's service role and inline policy, least privilege per seed 000's tables."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    #: Supervisor only: the collaborators' alias ARNs it may look up and invoke.
    collaborator_alias_arns: tuple[str, ...] = ()
    #: Specialists with an action group: the one schema object and the one function.
    schema_object_arn: str | None = None
    function_arn: str | None = None
    #: Key of the schema bucket (read through S3 only).
    schema_kms_key_arn: str | None = None
    #: Key the agent encrypts its session data with.
    agent_kms_key_arn: str | None = None
    guardrail_arn: str | None = None
    extra_statements: tuple[Statement, ...] = field(default=())


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
        statements = [Statement(
            sid="InvokeFoundationModel",
            actions=("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"),
            resources=props.model_arns,
        )]
        if props.collaborator_alias_arns:
            statements.append(Statement(
                sid="InvokeCollaborators",
                actions=("bedrock:GetAgentAlias", "bedrock:InvokeAgent"),
                resources=props.collaborator_alias_arns,
            ))
        if props.schema_object_arn:
            statements.append(Statement(sid="ReadOwnSchema", actions=("s3:GetObject",),
                                        resources=(props.schema_object_arn,)))
        if props.schema_object_arn and props.schema_kms_key_arn:
            statements.append(Statement(
                sid="DecryptOwnSchema", actions=("kms:Decrypt",),
                resources=(props.schema_kms_key_arn,),
                conditions=(("StringEquals", "kms:ViaService", (f"s3.{props.region}.amazonaws.com",)),),
            ))
        if props.function_arn:
            statements.append(Statement(sid="InvokeOwnActionFunction",
                                        actions=("lambda:InvokeFunction",),
                                        resources=(props.function_arn,)))
        if props.agent_kms_key_arn:
            statements.append(Statement(
                sid="UseAgentKey", actions=("kms:GenerateDataKey", "kms:Decrypt"),
                resources=(props.agent_kms_key_arn,),
            ))
        if props.guardrail_arn:
            statements.append(Statement(sid="ApplyGuardrail", actions=("bedrock:ApplyGuardrail",),
                                        resources=(props.guardrail_arn,)))
        return [*statements, *props.extra_statements]
