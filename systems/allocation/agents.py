"""The agent team (`agents.toml`): a Portfolio Strategy supervisor with Market Analysis, Risk
Assessment and Strategy Optimizer collaborators, under the stack's customer key and a
guardrail, through `modules/agent_team.py` like the other systems.

Each collaborator has an action group: a Lambda under `lambda/allocation/<action_group>/`
(standard library, see allocation_core.actions) and its generated OpenAPI schema in the
stack's schema bucket. The functions reach only AWS APIs, so they run outside the VPC.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from modules.action_function import ActionFunction, ActionFunctionProps
from modules.agent_role import model_resource_arns
from modules.agent_team import ActionGroupSpec, AgentSpec, AgentTeam, AgentTeamProps
from modules.guardrail import Guardrail, GuardrailProps
from modules.lambda_package import FunctionPackage, build_function_package, source_root
from modules.policy import Statement, kms_via_service
from modules.schema_bucket import SchemaBucket, SchemaBucketProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.allocation.data import Data
from systems.allocation.names import ACTION_GROUPS, AllocationNames
from systems.allocation.settings import AllocationSettings

TABLE = Path(__file__).with_name("agents.toml")
BLOCKED_INPUT = ("Sorry, I can only help with portfolio allocation, market conditions and "
                 "portfolio risk.")
BLOCKED_OUTPUT = "Sorry, I can't share that answer."
#: Price files the actions read: the ingestion trigger's prefix of the market-data bucket.
MARKET_PREFIX = "incoming/"


def load_agents(path: Path = TABLE) -> list[dict]:
    rows = tomllib.loads(path.read_text())["agent"]
    groups = [row["action_group"] for row in rows if row.get("action_group")]
    if tuple(groups) != ACTION_GROUPS:
        raise ValueError(f"{path.name}: action_group values {groups} must be {list(ACTION_GROUPS)} "
                         "(systems/allocation/names.py ACTION_GROUPS names their functions)")
    return rows


def build_action_packages() -> dict[str, FunctionPackage]:
    root = source_root("allocation")
    return {group: build_function_package(group, root) for group in ACTION_GROUPS}


def _grants(data: Data, names: AllocationNames, region: str,
            account: str) -> dict[str, tuple[Statement, ...]]:
    jobs = data.tables["optimization-jobs"].table_arn
    cache = data.tables["results-cache"].table_arn
    market = f"arn:aws:s3:::{names.bucket('market-data')}"
    read_prices = Statement(sid="ReadPriceFiles", actions=("s3:GetObject",),
                            resources=(f"{market}/{MARKET_PREFIX}*",))
    s3_key = kms_via_service("DecryptPriceFiles", data.key_arn, "s3", region)
    table_key = kms_via_service("UseTableKey", data.key_arn, "dynamodb", region,
                                actions=("kms:Decrypt", "kms:GenerateDataKey"))
    return {
        "market_analysis": (
            read_prices, s3_key,
            Statement(sid="ListPriceFiles", actions=("s3:ListBucket",), resources=(market,),
                      conditions=(("StringLike", "s3:prefix", (f"{MARKET_PREFIX}*",)),))),
        "risk_assessment": (
            read_prices, s3_key, table_key,
            Statement(sid="ReadResults", actions=("dynamodb:GetItem",), resources=(cache,))),
        "strategy_optimizer": (
            table_key,
            Statement(sid="RecordAndReadJobs", actions=("dynamodb:PutItem", "dynamodb:Query"),
                      resources=(jobs,)),
            Statement(sid="ReadResults", actions=("dynamodb:GetItem",), resources=(cache,)),
            Statement(sid="StartOptimizer", actions=("lambda:InvokeFunction",),
                      resources=(f"arn:aws:lambda:{region}:{account}:function:"
                                 f"{names.function('hyperparameter-optimizer')}",))),
    }


def build_action_functions(stack: SystemStack, settings: AllocationSettings,
                           names: AllocationNames, data: Data,
                           packages: dict[str, FunctionPackage]) -> dict[str, ActionFunction]:
    env, config = stack.env, settings.functions
    grants = _grants(data, names, env.region, env.account_id)
    environment = {"JOBS_TABLE": data.tables["optimization-jobs"].table_name,
                   "RESULTS_CACHE_TABLE": data.tables["results-cache"].table_name,
                   "MARKET_DATA_BUCKET": names.bucket("market-data"),
                   "OPTIMIZER_FUNCTION": names.function("hyperparameter-optimizer"),
                   "LOG_LEVEL": config.log_level}
    functions = {}
    for group in ACTION_GROUPS:
        part = names.action_part(group)
        function = ActionFunction(stack, f"fn_{group}_actions", ActionFunctionProps(
            function_name=names.function(part), role_name=names.function_role(part),
            policy_name=names.function_policy(part), log_group_name=names.log_group(part),
            package=packages[group], account_id=env.account_id, region=env.region,
            memory_mb=512, timeout_seconds=30, reserved_concurrency=config.reserved_concurrency,
            log_retention_days=config.log_retention_days, kms_key_arn=data.key_arn,
            environment=environment, description=f"Bedrock action group {group}",
            extra_statements=grants[group], synchronous_callers="its Bedrock agent",
            architecture=config.architecture))
        suppress(function.function, "CKV_AWS_117",
                 "Reaches only AWS APIs (S3, DynamoDB, Lambda) over TLS with IAM; nothing it "
                 "calls lives in the VPC.")
        functions[group] = function
    return functions


def build_agents(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
                 data: Data, packages: dict[str, FunctionPackage] | None = None) -> AgentTeam:
    env, config = stack.env, settings.agents
    packages = packages or build_action_packages()
    functions = build_action_functions(stack, settings, names, data, packages)
    schemas = SchemaBucket(stack, "schemas", SchemaBucketProps(
        bucket_name=names.schema_bucket(), kms_key_arn=data.key_arn, region=env.region,
        schemas={p.schema_key: p.schema_path for p in packages.values()}))
    guardrail = Guardrail(stack, "guardrail", GuardrailProps(
        name=names.guardrail(), kms_key_arn=data.key_arn,
        blocked_input_message=BLOCKED_INPUT, blocked_output_message=BLOCKED_OUTPUT))

    def spec(row: dict) -> AgentSpec:
        group = row.get("action_group")
        return AgentSpec(
            key=row["key"], agent_name=names.agent(row["key"]),
            role_name=names.agent_role(row["key"]), policy_name=names.agent_policy(row["key"]),
            description=row["description"], instruction=row["instruction"],
            collaboration_instruction=row.get("collaboration_instruction", ""),
            action_group=ActionGroupSpec(
                name=names.action_part(group), function=functions[group],
                package_hash=packages[group].sha256_b64,
                schema=schemas.schema(packages[group].schema_key),
                description=f"{row['key']} operations backed by "
                            f"{names.function(names.action_part(group))}") if group else None)

    specs = [spec(row) for row in load_agents()]
    return AgentTeam(stack, "agents", AgentTeamProps(
        supervisor=specs[0], collaborators=tuple(specs[1:]),
        foundation_model=config.foundation_model,
        model_arns=model_resource_arns(config.foundation_model, account_id=env.account_id,
                                       region=env.region, inference_regions=config.inference_regions),
        account_id=env.account_id, region=env.region, alias_name=env.environment,
        kms_key_arn=data.key_arn, guardrail=guardrail))
