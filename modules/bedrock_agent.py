"""One Bedrock agent: the agent, its optional OpenAPI action group and its alias.

Races of hashicorp/aws 5.100.0 (#42256, #42845, #43059) are avoided by ordering: a specialist is prepared on
create/update, then its single action group is created (and prepares again), then its alias;
the supervisor is created unprepared and prepared by its last collaborator link (see
`agent_collaboration`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from cdktf import ITerraformDependable
from constructs import Construct

from modules.aws import provider_module
from modules.suppressions import suppress


@dataclass(frozen=True)
class ActionGroupProps:
    name: str
    function_arn: str
    schema_bucket: str
    schema_key: str
    #: Digest of schema and function code: changes trigger a new alias version.
    content_digest: str
    description: str = ""


@dataclass(frozen=True)
class GuardrailRef:
    guardrail_id: str
    version: str


@dataclass(frozen=True)
class BedrockAgentProps:
    agent_name: str
    role_arn: str
    foundation_model: str
    instruction: str
    description: str
    alias_name: str = "v1"
    #: SUPERVISOR_ROUTER, SUPERVISOR or DISABLED.
    collaboration: str = "DISABLED"
    idle_session_ttl_seconds: int = 600
    kms_key_arn: str | None = None
    guardrail: GuardrailRef | None = None
    action_group: ActionGroupProps | None = None


class BedrockAgent(Construct):
    """Exposes `agent_id`, `agent_arn`, `agent` and `add_alias(...)`."""

    def __init__(self, scope: Construct, construct_id: str, props: BedrockAgentProps,
                 depends_on: list[ITerraformDependable] | None = None) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        is_supervisor = props.collaboration != "DISABLED"
        agent_module = provider_module("bedrockagent_agent")
        self.agent = agent_module.BedrockagentAgent(
            self, "agent",
            agent_name=props.agent_name,
            agent_resource_role_arn=props.role_arn,
            foundation_model=props.foundation_model,
            instruction=props.instruction,
            description=props.description,
            agent_collaboration=props.collaboration,
            idle_session_ttl_in_seconds=props.idle_session_ttl_seconds,
            customer_encryption_key_arn=props.kms_key_arn,
            guardrail_configuration=[agent_module.BedrockagentAgentGuardrailConfiguration(
                guardrail_identifier=props.guardrail.guardrail_id,
                guardrail_version=props.guardrail.version)]
            if props.guardrail else None,
            # A supervisor cannot be prepared without collaborators (#43059): its last
            # collaborator link prepares it. The provider waits for PREPARED before the action
            # group is created, so a specialist preparing here does not race its action group.
            prepare_agent=not is_supervisor,
            depends_on=depends_on,
        )
        if props.guardrail:
            suppress(self.agent, "CKV_AWS_383",
                     "The guardrail is created in the same apply, so its identifier is unknown in "
                     "the plan; the synthesized-JSON scan of this check proves it is attached.",
                     scan="terraform_plan")
        self.agent_id: str = self.agent.agent_id
        self.agent_arn: str = self.agent.agent_arn
        self.action_group = None

    def attach_action_group(self, depends_on: list[ITerraformDependable]) -> None:
        """Create the action group of `props.action_group` once `depends_on` exist."""
        group = self._props.action_group
        if group is None:
            raise ValueError(f"agent {self._props.agent_name} has no action group in its props")
        module = provider_module("bedrockagent_agent_action_group")
        self.action_group = module.BedrockagentAgentActionGroup(
                self, "action_group",
                action_group_name=group.name,
                agent_id=self.agent.agent_id,
                agent_version="DRAFT",
                description=group.description,
                action_group_executor=[module.BedrockagentAgentActionGroupActionGroupExecutor(
                    lambda_=group.function_arn)],
                api_schema=[module.BedrockagentAgentActionGroupApiSchema(s3=[
                    module.BedrockagentAgentActionGroupApiSchemaS3(
                        s3_bucket_name=group.schema_bucket, s3_object_key=group.schema_key)])],
                prepare_agent=True,
                skip_resource_in_use_check=True,
                depends_on=depends_on,
            )

    @property
    def ready(self) -> ITerraformDependable:
        """The resource after which the agent's DRAFT is prepared with everything of its own."""
        return self.action_group or self.agent

    def configuration_digest(self, *extra: object) -> str:
        """Digest of everything that changes the agent's DRAFT; in the alias description it
        makes a changed agent publish a new version (provider bugs #42586/#42603)."""
        props = self._props
        material = [props.foundation_model, props.instruction, props.description,
                    props.collaboration, props.idle_session_ttl_seconds,
                    props.action_group.content_digest if props.action_group else None,
                    props.guardrail is not None, *extra]
        return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def add_alias(self, digest: str, depends_on: list[ITerraformDependable]):
        alias = provider_module("bedrockagent_agent_alias").BedrockagentAgentAlias(
            self, "alias",
            agent_alias_name=self._props.alias_name,
            agent_id=self.agent.agent_id,
            description=f"{self._props.alias_name}; agent configuration {digest}",
            depends_on=depends_on,
        )
        return alias
