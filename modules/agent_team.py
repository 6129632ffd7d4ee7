"""A supervisor agent and its collaborators, created in the order hashicorp/aws 5.100.0 needs.

For each collaborator, in table order: its role (model access plus the statements of its schema
object, action function, key and guardrail), the agent (prepared on create), the function's
invoke permission for exactly that agent, the action group (after the permission: Bedrock
checks it when the group is created, and a second group on one agent would race its
preparation, #42845), then the alias, after the agent's DRAFT is prepared. Then the supervisor:
created unprepared (a SUPERVISOR with no collaborators cannot be prepared, #43059), linked to
each collaborator alias one link at a time (#42256, see `agent_collaboration`), and aliased
after the last link prepared it.

Every alias description carries a digest of its agent's configuration, including the action
function's code hash and the schema's hash, so any change publishes a new version (aliases do
not follow new versions by themselves, #42586/#42603).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.action_function import ActionFunction
from modules.agent_collaboration import AgentCollaboration, CollaborationProps, CollaboratorLink
from modules.agent_role import AgentRole, AgentRoleProps
from modules.bedrock_agent import ActionGroupProps, BedrockAgent, BedrockAgentProps, GuardrailRef
from modules.guardrail import Guardrail
from modules.policy import Statement
from modules.schema_bucket import SchemaObject


@dataclass(frozen=True)
class ActionGroupSpec:
    """An OpenAPI action group: the Lambda that serves it and its schema object."""

    name: str
    function: ActionFunction
    #: The function's deployment package hash (base64 sha256), part of the alias digest.
    package_hash: str
    schema: SchemaObject
    description: str = ""


@dataclass(frozen=True)
class AgentSpec:
    #: Construct id part and collaborator name (unique in the team).
    key: str
    agent_name: str
    role_name: str
    policy_name: str
    description: str
    instruction: str
    #: Collaborators only: tells the supervisor when to route to this agent.
    collaboration_instruction: str = ""
    action_group: ActionGroupSpec | None = None


@dataclass(frozen=True)
class AgentTeamProps:
    supervisor: AgentSpec
    collaborators: tuple[AgentSpec, ...]
    foundation_model: str
    #: ARNs the roles may invoke for `foundation_model` (see `agent_role.model_resource_arns`).
    model_arns: tuple[str, ...]
    account_id: str
    region: str
    alias_name: str = "v1"
    idle_session_ttl_seconds: int = 600
    #: Encrypts the agents' session data; None uses an AWS-owned key.
    kms_key_arn: str | None = None
    #: Applied to every agent; None attaches no guardrail.
    guardrail: Guardrail | None = None
    relay_conversation_history: str = "TO_COLLABORATOR"


class AgentTeam(Construct):
    """Exposes `agents` and `aliases` (by agent key), `supervisor` and `supervisor_alias`."""

    def __init__(self, scope: Construct, construct_id: str, props: AgentTeamProps) -> None:
        super().__init__(scope, construct_id)
        if not props.collaborators:
            raise ValueError("an agent team needs at least one collaborator (a supervisor "
                             "without collaborators cannot be prepared)")
        self._props = props
        self.agents: dict[str, BedrockAgent] = {}
        self.aliases: dict[str, object] = {}
        links = [self._collaborator(spec) for spec in props.collaborators]

        supervisor_spec = props.supervisor
        role = self._role(supervisor_spec, (Statement(
            sid="InvokeCollaborators", actions=("bedrock:GetAgentAlias", "bedrock:InvokeAgent"),
            resources=tuple(link.alias_arn for link in links)),))
        supervisor = BedrockAgent(self, f"agent_{supervisor_spec.key}",
                                  self._agent_props(supervisor_spec, role, None, supervisor=True),
                                  depends_on=[role.policy])
        collaboration = AgentCollaboration(self, "collaboration", CollaborationProps(
            supervisor_agent=supervisor.agent, links=tuple(links),
            relay_conversation_history=props.relay_conversation_history))
        digest = supervisor.configuration_digest([(link.name, link.instruction) for link in links])
        self.agents[supervisor_spec.key] = supervisor
        self.aliases[supervisor_spec.key] = supervisor.add_alias(digest,
                                                                 depends_on=[collaboration.last])
        self.supervisor = supervisor
        self.supervisor_alias = self.aliases[supervisor_spec.key]

    def _collaborator(self, spec: AgentSpec) -> CollaboratorLink:
        group = spec.action_group
        statements: tuple[Statement, ...] = ()
        action_group = None
        if group is not None:
            statements = (*group.schema.read_statements(), *group.function.invoke_statements())
            action_group = ActionGroupProps(
                name=group.name, function_arn=group.function.function_arn,
                schema_bucket=group.schema.bucket_name, schema_key=group.schema.key,
                content_digest=f"{group.package_hash}:{group.schema.digest}",
                description=group.description,
            )
        role = self._role(spec, statements)
        agent = BedrockAgent(self, f"agent_{spec.key}",
                             self._agent_props(spec, role, action_group, supervisor=False),
                             depends_on=[role.policy])
        if group is not None:
            permission = group.function.allow_bedrock_agent(f"allow_{spec.key}_agent",
                                                            agent.agent_arn)
            agent.attach_action_group(depends_on=[permission])
        alias = agent.add_alias(agent.configuration_digest(), depends_on=[agent.ready])
        self.agents[spec.key] = agent
        self.aliases[spec.key] = alias
        return CollaboratorLink(name=spec.key, alias_arn=alias.agent_alias_arn,
                                instruction=spec.collaboration_instruction, ready=alias)

    def _role(self, spec: AgentSpec, statements: tuple[Statement, ...]) -> AgentRole:
        props = self._props
        shared: list[Statement] = []
        if props.kms_key_arn:
            shared.append(Statement(sid="UseAgentKey", actions=("kms:GenerateDataKey", "kms:Decrypt"),
                                    resources=(props.kms_key_arn,)))
        if props.guardrail is not None:
            shared.extend(props.guardrail.apply_statements())
        return AgentRole(self, f"role_{spec.key}", AgentRoleProps(
            role_name=spec.role_name, policy_name=spec.policy_name,
            account_id=props.account_id, region=props.region, model_arns=props.model_arns,
            extra_statements=(*statements, *shared),
        ))

    def _agent_props(self, spec: AgentSpec, role: AgentRole, action_group: ActionGroupProps | None,
                     *, supervisor: bool) -> BedrockAgentProps:
        props = self._props
        guardrail = props.guardrail
        return BedrockAgentProps(
            agent_name=spec.agent_name, role_arn=role.role_arn,
            foundation_model=props.foundation_model, instruction=spec.instruction,
            description=spec.description, alias_name=props.alias_name,
            collaboration="SUPERVISOR_ROUTER" if supervisor else "DISABLED",
            idle_session_ttl_seconds=props.idle_session_ttl_seconds,
            kms_key_arn=props.kms_key_arn,
            guardrail=GuardrailRef(guardrail.guardrail_id, guardrail.version) if guardrail else None,
            action_group=action_group,
        )
