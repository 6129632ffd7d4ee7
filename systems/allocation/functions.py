"""The functions layer: the eight Lambdas of the specification as a table (sizes, package and
handler, VPC placement, asynchronous invocation), their grants, the ECR repository of the
container-image function, the shared dead-letter queue, the market-data trigger and the daily
cleanup schedule."""

from __future__ import annotations

from dataclasses import dataclass

from modules.action_function import ActionFunction, ActionFunctionProps
from modules.aws import provider_module
from modules.ecr_repository import EcrRepository, EcrRepositoryProps
from modules.lambda_package import FunctionPackage, build_function_package, source_root
from modules.policy import Statement, kms_via_service
from modules.queue import Queue, QueueProps
from modules.schedule import Schedule, ScheduleProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.allocation.data import Data
from systems.allocation.names import AllocationNames
from systems.allocation.network import Network
from systems.allocation.settings import AllocationSettings

KEY = "allocation"
PACKAGES = ("api", "workers", "websocket")
INCOMING_PREFIX = "incoming/"


@dataclass(frozen=True)
class FunctionSpec:
    package: str | None
    handler: str
    memory_mb: int
    timeout_seconds: int
    description: str
    #: Invoked asynchronously (failures go to the dead-letter queue).
    asynchronous: bool = False
    #: In the VPC's private subnets.
    in_vpc: bool = False
    reserved_concurrency: int | None = None
    ephemeral_storage_mb: int = 512


#: The specification's sizes (memory MB, timeout s); the image function has no package.
FUNCTIONS: dict[str, FunctionSpec] = {
    "strategy-submission": FunctionSpec("api", "handler.submit", 512, 30,
                                        "POST /optimize: records the job and starts it",
                                        in_vpc=True),
    "status-polling": FunctionSpec("api", "handler.status", 256, 10,
                                   "GET /jobs/{job_id}: the job's latest status"),
    "results-retrieval": FunctionSpec("api", "handler.results", 1024, 30,
                                      "GET /jobs/{job_id}/result: the computed allocation"),
    "portfolio-risk-manager": FunctionSpec(None, "", 3008, 900,
                                           "Portfolio risk analytics (container image)",
                                           asynchronous=True, ephemeral_storage_mb=10240),
    "hyperparameter-optimizer": FunctionSpec("workers", "handler.optimize", 2048, 900,
                                             "Computes a submitted job's allocation",
                                             asynchronous=True),
    "results-aggregator": FunctionSpec("workers", "handler.aggregate", 4096, 300,
                                       "Summarizes a user's results", asynchronous=True,
                                       reserved_concurrency=10),
    "data-ingestion": FunctionSpec("workers", "handler.ingest", 1024, 300,
                                   "Checks and summarizes market data files (S3 trigger)",
                                   asynchronous=True),
    "cleanup": FunctionSpec("workers", "handler.cleanup", 512, 900,
                            "Daily: removes finished jobs past their retention",
                            asynchronous=True),
}


def build_packages() -> dict[str, FunctionPackage]:
    root = source_root(KEY)
    return {name: build_function_package(name, root, action_group=False) for name in PACKAGES}


def _table(data: Data, name: str) -> tuple[str, ...]:
    arn = data.tables[name].table_arn
    return (arn, f"{arn}/index/*")


def _grants(data: Data, settings: AllocationSettings, names: AllocationNames, region: str,
            account: str) -> dict[str, tuple[Statement, ...]]:
    jobs, cache = _table(data, "optimization-jobs"), _table(data, "results-cache")
    function_arn = f"arn:aws:lambda:{region}:{account}:function:"
    market = f"arn:aws:s3:::{names.bucket('market-data')}"
    tables_key = kms_via_service("UseTableKey", data.key_arn, "dynamodb", region,
                                 actions=("kms:Decrypt", "kms:GenerateDataKey"))
    s3_key = kms_via_service("UseBucketKey", data.key_arn, "s3", region,
                             actions=("kms:Decrypt", "kms:GenerateDataKey"))
    return {
        "strategy-submission": (
            Statement(sid="RecordJobs", actions=("dynamodb:PutItem",), resources=jobs[:1]),
            Statement(sid="StartOptimizer", actions=("lambda:InvokeFunction",),
                      resources=(function_arn + names.function("hyperparameter-optimizer"),)),
            tables_key),
        "status-polling": (
            Statement(sid="ReadJobs", actions=("dynamodb:Query",), resources=jobs[:1]), tables_key),
        "results-retrieval": (
            Statement(sid="ReadJobs", actions=("dynamodb:Query",), resources=jobs[:1]),
            Statement(sid="ReadResults", actions=("dynamodb:GetItem",), resources=cache[:1]),
            tables_key),
        "portfolio-risk-manager": (
            Statement(sid="ReadModelsAndCuratedData", actions=("s3:GetObject",),
                      resources=(f"arn:aws:s3:::{names.bucket('model-artifacts')}/*",
                                 f"{market}/curated/*")),
            Statement(sid="ReadJobs", actions=("dynamodb:Query",), resources=jobs[:1]),
            s3_key, tables_key),
        "hyperparameter-optimizer": (
            Statement(sid="RecordJobs", actions=("dynamodb:Query", "dynamodb:PutItem"),
                      resources=jobs[:1]),
            Statement(sid="WriteResults", actions=("dynamodb:PutItem",), resources=cache[:1]),
            Statement(sid="StartAggregator", actions=("lambda:InvokeFunction",),
                      resources=(function_arn + names.function("results-aggregator"),)),
            tables_key),
        "results-aggregator": (
            Statement(sid="ReadUserJobs", actions=("dynamodb:Query",), resources=jobs),
            Statement(sid="ReadWriteResults", actions=("dynamodb:GetItem", "dynamodb:PutItem"),
                      resources=cache[:1]),
            tables_key),
        "data-ingestion": (
            Statement(sid="ReadIncoming", actions=("s3:GetObject",),
                      resources=(f"{market}/{INCOMING_PREFIX}*",)),
            Statement(sid="WriteCurated", actions=("s3:PutObject",),
                      resources=(f"{market}/curated/*",)),
            s3_key),
        "cleanup": (
            Statement(sid="PruneJobs", actions=("dynamodb:Scan", "dynamodb:BatchWriteItem",
                                                "dynamodb:DeleteItem"), resources=jobs[:1]),
            tables_key),
    }


def build_functions(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
                    data: Data, network: Network,
                    packages: dict[str, FunctionPackage]) -> dict[str, ActionFunction]:
    env, config = stack.env, settings.functions
    dlq = Queue(stack, "async_dlq", QueueProps(name=names.dlq(), kms_key_arn=data.key_arn,
                                               region=env.region, grant_id="AsyncDlq"))
    repository = EcrRepository(stack, "risk_manager_images", EcrRepositoryProps(
        name=names.repository(), kms_key_arn=data.key_arn, account_id=env.account_id,
        region=env.region, force_delete=not settings.storage.deletion_protection))
    grants = _grants(data, settings, names, env.region, env.account_id)
    environment = {
        "JOBS_TABLE": data.tables["optimization-jobs"].table_name,
        "RESULTS_CACHE_TABLE": data.tables["results-cache"].table_name,
        "LOG_LEVEL": config.log_level,
    }
    extra_env = {
        "strategy-submission": {"OPTIMIZER_FUNCTION": names.function("hyperparameter-optimizer")},
        "hyperparameter-optimizer": {"AGGREGATOR_FUNCTION": names.function("results-aggregator"),
                                     "RESULT_TTL_DAYS": str(settings.tables.result_ttl_days)},
        "results-aggregator": {"RESULT_TTL_DAYS": str(settings.tables.result_ttl_days)},
        "cleanup": {"JOB_RETENTION_DAYS": str(settings.tables.job_retention_days)},
    }
    functions = {}
    for part, spec in FUNCTIONS.items():
        image = spec.package is None
        functions[part] = ActionFunction(stack, f"fn_{part.replace('-', '_')}", ActionFunctionProps(
            function_name=names.function(part), role_name=names.function_role(part),
            policy_name=names.function_policy(part), log_group_name=names.log_group(part),
            package=None if image else packages[spec.package],
            image_uri=f"{repository.repository_url}:{config.risk_manager_image_tag}" if image else None,
            handler=spec.handler or "handler.lambda_handler",
            account_id=env.account_id, region=env.region, memory_mb=spec.memory_mb,
            timeout_seconds=spec.timeout_seconds,
            reserved_concurrency=spec.reserved_concurrency or config.reserved_concurrency,
            log_retention_days=config.log_retention_days, kms_key_arn=data.key_arn,
            environment={**environment, **extra_env.get(part, {})}, description=spec.description,
            extra_statements=grants[part] + (dlq.send_statements() if spec.asynchronous else ()),
            dead_letter_queue_arn=dlq.queue_arn if spec.asynchronous else None,
            subnet_ids=network.vpc.private_subnet_ids if spec.in_vpc else (),
            security_group_ids=(network.functions.group_id,) if spec.in_vpc else (),
            # The image is built for x86_64; zip functions run on Graviton2.
            architecture="x86_64" if image else config.architecture,
            ephemeral_storage_mb=spec.ephemeral_storage_mb))
        if not spec.in_vpc:
            suppress(functions[part].function, "CKV_AWS_117",
                     "Reaches only AWS APIs (DynamoDB, S3, Lambda) over TLS with IAM; nothing it "
                     "calls lives in the VPC, which holds the API-facing submission function.")
    _market_data_trigger(stack, data, functions["data-ingestion"], env.account_id)
    Schedule(stack, "daily_cleanup", ScheduleProps(
        rule_name=names.schedule(), schedule_expression="cron(30 3 * * ? *)",
        description="Daily removal of finished jobs past their retention",
        function_arn=functions["cleanup"].function_arn,
        function_name=functions["cleanup"].function_name, kms_key_arn=data.key_arn))
    return functions


def _market_data_trigger(stack: SystemStack, data: Data, function: ActionFunction,
                         account_id: str) -> None:
    bucket = data.buckets["market-data"]
    permission = provider_module("lambda_permission").LambdaPermission(
        stack, "market_data_invoke", statement_id="AllowMarketDataBucket",
        action="lambda:InvokeFunction", function_name=function.function_name,
        principal="s3.amazonaws.com", source_arn=bucket.arn, source_account=account_id)
    notification = provider_module("s3_bucket_notification")
    notification.S3BucketNotification(
        stack, "market_data_events", bucket=bucket.bucket.id,
        lambda_function=[notification.S3BucketNotificationLambdaFunction(
            lambda_function_arn=function.function_arn, events=["s3:ObjectCreated:*"],
            filter_prefix=INCOMING_PREFIX)],
        depends_on=[permission])
