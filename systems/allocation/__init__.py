"""Dynamic asset allocation: a REST API (`POST /optimize`) records optimization jobs in
DynamoDB and starts the optimizer asynchronously; results land in a cache table; market data
files are checked on arrival; model artifacts replicate to a backup region. All of it in a
three-zone VPC with flow logs and endpoints, behind WAF, with alarms.

Layers in dependency order: data -> network -> functions -> users (Cognito) -> api ->
websocket -> identity pool -> SageMaker pipeline -> observability
(alarms, budget, cost anomalies, X-Ray sampling) -> CloudFront (cdn.py, with a custom domain)
-> delivery pipeline (delivery.py: gate, plan, approval, apply per target environment).
The Bedrock agent team (agents.py, with an action group per collaborator) sits beside it.
"""

from __future__ import annotations

from cdktf import TerraformOutput

from modules.aws_rules import NameRule
from modules.config import EnvironmentBase, display_path, envs_dir, read_document
from modules.errors import ConfigError
from modules.stacks.system_stack import SystemStack
from modules.system import System
from systems.allocation.agents import build_agents
from systems.allocation.api import build_api
from systems.allocation.cdn import build_cdn
from systems.allocation.data import build_data
from systems.allocation.delivery import build_delivery
from systems.allocation.functions import build_functions, build_packages
from systems.allocation.names import PROJECT_TAG, AllocationNames
from systems.allocation.network import build_network
from systems.allocation.observability import build_observability
from systems.allocation.sagemaker import build_sagemaker
from systems.allocation.settings import AllocationSettings
from systems.allocation.users import build_identity_pool, build_user_pool
from systems.allocation.websocket import build_websocket

KEY = "allocation"


def names_of(env: EnvironmentBase) -> AllocationNames:
    return AllocationNames(prefix=env.prefix, environment=env.environment,
                           account_id=env.account_id)


def build(stack: SystemStack, settings: AllocationSettings) -> None:
    names = names_of(stack.env)
    data = build_data(stack, settings, names)
    network = build_network(stack, settings, names, data.key_arn)
    packages = build_packages()
    functions = build_functions(stack, settings, names, data, network, packages)
    users = build_user_pool(stack, settings, names)
    api, _ = build_api(stack, settings, names, data, functions, users.authorizer)
    websocket, _ = build_websocket(stack, settings, names, data, packages["websocket"])
    identity = build_identity_pool(stack, names, users, api.rest_api_id, websocket.execution_arn)
    pipeline = build_sagemaker(stack, settings, names, data)
    topic = build_observability(stack, settings, names, data, api)
    cdn = build_cdn(stack, settings, names, data, api)
    delivery = build_delivery(stack, settings, names, data, topic.topic_arn)
    if settings.agents.enabled:
        team = build_agents(stack, settings, names, data)
        for key, alias in team.aliases.items():
            TerraformOutput(stack, f"{key.replace('-', '_')}_alias_arn", value=alias.agent_alias_arn)
    outputs = {"api_url": api.invoke_url, "api_key_id": api.api_key_id,
               "websocket_url": websocket.endpoint, "user_pool_id": users.pool.pool_id,
               "user_pool_client_id": users.pool.client_id, "identity_pool_id": identity.pool_id,
               "sagemaker_pipeline_arn": pipeline.pipeline_arn, "vpc_id": network.vpc.vpc_id,
               "alarm_topic_arn": topic.topic_arn,
               **{f"{part.replace('-', '_')}_bucket": bucket.bucket_name
                  for part, bucket in data.buckets.items()}}
    if cdn is not None:
        outputs.update(cdn_url=f"https://{settings.cdn.domain_name}",
                       cdn_distribution_id=cdn.distribution.distribution.id,
                       frontend_bucket=cdn.frontend_bucket.bucket_name)
        if cdn.name_servers is not None:
            outputs["cdn_name_servers"] = cdn.name_servers
    if delivery is not None:
        outputs.update(delivery_pipeline=delivery.pipeline.name,
                       github_connection_arn=delivery.connection_arn)
    for key, value in outputs.items():
        TerraformOutput(stack, key, value=value)


def all_names(env: EnvironmentBase, settings: AllocationSettings) -> list[tuple[NameRule, str]]:
    check_targets(settings)
    return names_of(env).all_names(
        agents=settings.agents.enabled, cdn=bool(settings.cdn.domain_name),
        cicd_targets=settings.cicd.targets if settings.cicd.enabled else ())


def check_targets(settings: AllocationSettings) -> None:
    """Every pipeline target is an env file that selects this system (else its gate and plan
    would fail on the first run, not here)."""
    if not settings.cicd.enabled:
        return
    for target in settings.cicd.targets:
        path = envs_dir() / f"{target}.toml"
        selected = path.is_file() and KEY in read_document(path).get("systems", {})
        if not selected:
            raise ConfigError("", f"systems.{KEY}.cicd.targets",
                              f"{target}: {display_path(path)} must exist and select "
                              f"[systems.{KEY}] (each target is deployed as {target}-{KEY})")


SYSTEM = System(key=KEY, title="Dynamic asset allocation (optimization API, jobs, results)",
                settings=AllocationSettings, build=build, names=all_names,
                project_tag=PROJECT_TAG)
