"""The multi-agent scheduling system: a supervisor routing to specialist agents, Lambda-backed
action groups with OpenAPI schemas in S3, per-agent roles, a guardrail and a customer key.

Layers are built in dependency order (data -> functions -> agents -> api -> observability);
what a later phase adds lands in its layer behind `settings.reaches(...)`.
"""

from __future__ import annotations

from cdktf import TerraformOutput

from modules.aws_rules import NameRule
from modules.config import EnvironmentBase
from modules.errors import ConfigError
from modules.lambda_package import build_function_package
from modules.stacks.system_stack import SystemStack
from modules.system import System
from systems.scheduling.agents import build_agents
from systems.scheduling.analytics import analytics_outputs, build_analytics
from systems.scheduling.api import build_api
from systems.scheduling.catalog import Sources, load_agent_table, names_of, render_agents
from systems.scheduling.data import build_data
from systems.scheduling.edge import build_edge
from systems.scheduling.databases import build_databases
from systems.scheduling.functions import build_functions, build_maintenance
from systems.scheduling.keys import build_keys
from systems.scheduling.network import build_network
from systems.scheduling.observability import build_observability
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.users import build_users
from systems.scheduling.workloads import build_async

KEY = "scheduling"


def build(stack: SystemStack, settings: SchedulingSettings, sources: Sources = Sources()) -> None:
    table = load_agent_table(sources.table)
    names = names_of(stack.env, settings)
    agents = render_agents(stack.env, settings, table, sources.templates)
    packages = {group: build_function_package(group, sources.lambda_root)
                for group in table.action_groups}
    data = build_data(stack, settings, names)
    if settings.reaches("3"):
        # Enterprise phase keys, network and data stores come before the functions: the
        # Lambdas that reach Aurora, Redis or PF360 are placed in the VPC (functions.VPC_REACH).
        keys = build_keys(stack, settings, names)
        network = build_network(stack, settings, names, data)
        stores = build_databases(stack, settings, names, data, keys, network)
    functions = build_functions(stack, settings, names, data, packages)
    team, schemas = build_agents(stack, settings, names, data, agents, packages, functions)
    if settings.reaches("2"):
        service = build_maintenance(stack, settings, names, data, sources)
        # Phase 3: the user pool comes first, its authorizer is part of the API.
        users = build_users(stack, settings, names, data, sources) \
            if settings.reaches("3") else None
        api, chat = build_api(stack, settings, names, data, team, sources, users)
        topics = build_observability(stack, settings, names, data,
                            {**functions, **service, "chat_api": chat}, api)
        TerraformOutput(stack, "api_url", value=api.invoke_url)
        TerraformOutput(stack, "api_key_id", value=api.api_key_id)
    if settings.reaches("3"):
        # Enterprise phase, in dependency order (keys, network and data stores are above):
        # edge, async work and analytics.
        edge = build_edge(stack, settings, names, data, api)
        work = build_async(stack, settings, names, data, topics["errors"], sources)
        lake = build_analytics(stack, settings, names, data, keys.s3.key_arn, work)
        analytics_outputs(stack, work, lake)
        TerraformOutput(stack, "user_pool_id", value=users.pool_id)
        TerraformOutput(stack, "user_pool_client_id", value=users.client_id)
        TerraformOutput(stack, "hosted_zone_id", value=edge.zone_id)
        TerraformOutput(stack, "api_custom_url", value=f"https://api.{edge.zone_name}")
        if edge.zone is not None:
            TerraformOutput(stack, "name_servers", value=edge.zone.name_servers)
        if edge.cdn is not None:
            TerraformOutput(stack, "frontend_bucket_name", value=edge.cdn.frontend_bucket.bucket_name)
            TerraformOutput(stack, "frontend_url", value=f"https://{edge.cdn.hosts[0]}")
            TerraformOutput(stack, "api_cdn_url", value=f"https://{edge.cdn.hosts[1]}")
        TerraformOutput(stack, "vpc_id", value=network.vpc.vpc_id)
        TerraformOutput(stack, "analytics_db_endpoint", value=stores.database.endpoint)
        TerraformOutput(stack, "analytics_db_master_secret_arn",
                        value=stores.database.master_secret_arn)
        TerraformOutput(stack, "session_cache_endpoint", value=stores.cache.primary_endpoint)

    TerraformOutput(stack, "schema_bucket", value=schemas.bucket_name)
    for key, agent in team.agents.items():
        TerraformOutput(stack, f"{key}_agent_id", value=agent.agent_id)
        TerraformOutput(stack, f"{key}_alias_id", value=team.aliases[key].agent_alias_id)
        TerraformOutput(stack, f"{key}_alias_arn", value=team.aliases[key].agent_alias_arn)
    for group, function in functions.items():
        TerraformOutput(stack, f"{group}_function_arn", value=function.function_arn)


def all_names(env: EnvironmentBase, settings: SchedulingSettings,
              sources: Sources = Sources()) -> list[tuple[NameRule, str]]:
    """Every name the stack creates, with its rule. Renders the instructions too, so a
    template error is found before synthesis starts."""
    if env.environment == "prod" and settings.uses_mock_data:
        raise ConfigError("", "systems.scheduling.phase",
                          "prod must run phase \"1.5\" or later: mock data is not for production")
    table = load_agent_table(sources.table)
    render_agents(env, settings, table, sources.templates)
    return names_of(env, settings).names_for(
        table.agent_keys, table.action_groups, kms_key=settings.agents.customer_managed_key,
        guardrail=settings.agents.guardrail_enabled, secret=settings.reaches("1.5"),
        phase3=settings.reaches("3"))


SYSTEM = System(key=KEY, title="Multi-agent appointment scheduling (supervisor + specialists)",
                settings=SchedulingSettings, build=build, names=all_names,
                project_tag="scheduling-agents")
