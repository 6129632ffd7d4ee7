"""Agent layer: guardrail, schema bucket and the agent team built from the agent table."""

from __future__ import annotations

from modules.action_function import ActionFunction
from modules.agent_role import model_resource_arns
from modules.agent_team import ActionGroupSpec, AgentSpec, AgentTeam, AgentTeamProps
from modules.guardrail import Guardrail, GuardrailProps
from modules.lambda_package import FunctionPackage
from modules.schema_bucket import SchemaBucket, SchemaBucketProps
from modules.stacks.system_stack import SystemStack
from systems.scheduling.catalog import RenderedAgent
from systems.scheduling.data import Data
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, NO_GUARDRAIL, excuse

BLOCKED_INPUT = "Sorry, I can't help with that. I can help you schedule, check or change appointments."
BLOCKED_OUTPUT = "Sorry, I can't share that. I can help you schedule, check or change appointments."


def build_agents(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
                 data: Data, agents: list[RenderedAgent], packages: dict[str, FunctionPackage],
                 functions: dict[str, ActionFunction]) -> tuple[AgentTeam, SchemaBucket]:
    env, config = stack.env, settings.agents
    schemas = SchemaBucket(stack, "schemas", SchemaBucketProps(
        bucket_name=names.schema_bucket(), kms_key_arn=data.key_arn, region=env.region,
        schemas={p.schema_key: p.schema_path for p in packages.values()},
    ))
    guardrail = None
    if config.guardrail_enabled:
        guardrail = Guardrail(stack, "guardrail", GuardrailProps(
            name=names.guardrail(), kms_key_arn=data.key_arn,
            blocked_input_message=BLOCKED_INPUT, blocked_output_message=BLOCKED_OUTPUT))

    def spec(agent: RenderedAgent) -> AgentSpec:
        group = agent.action_group
        return AgentSpec(
            key=agent.key, agent_name=agent.name, role_name=names.agent_role(agent.key),
            policy_name=names.agent_policy(agent.key), description=agent.description,
            instruction=agent.instruction,
            collaboration_instruction=agent.collaboration_instruction,
            action_group=ActionGroupSpec(
                name=f"{group}-actions", function=functions[group],
                package_hash=packages[group].sha256_b64,
                schema=schemas.schema(packages[group].schema_key),
                description=f"{group} operations backed by {names.function(group)}",
            ) if group else None,
        )

    team = AgentTeam(stack, "agents", AgentTeamProps(
        supervisor=spec(agents[0]), collaborators=tuple(spec(a) for a in agents[1:]),
        foundation_model=config.foundation_model,
        model_arns=model_resource_arns(config.foundation_model, account_id=env.account_id,
                                       region=env.region, inference_regions=config.inference_regions),
        account_id=env.account_id, region=env.region, alias_name=config.alias_name,
        idle_session_ttl_seconds=config.idle_session_ttl_seconds, kms_key_arn=data.key_arn,
        guardrail=guardrail,
    ))
    agent_resources = [agent.agent for agent in team.agents.values()]
    if data.key_arn is None:
        excuse([schemas.bucket], ("CKV_AWS_145",), NO_CUSTOMER_KEY)
        excuse(agent_resources, ("CKV_AWS_373",), NO_CUSTOMER_KEY)
    if guardrail is None:
        excuse(agent_resources, ("CKV_AWS_383",), NO_GUARDRAIL)
    return team, schemas
