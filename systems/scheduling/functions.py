"""Function layer: one action Lambda per action group of the agent table (phase 1); from phase 2
their cache and settings, and the three scheduled maintenance Lambdas."""

from __future__ import annotations

from modules.action_function import ActionFunction, ActionFunctionProps
from modules.lambda_package import FunctionPackage, build_function_package
from modules.policy import Statement
from modules.queue import QUEUE_ARN, Queue, QueueProps
from modules.schedule import Schedule, ScheduleProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.scheduling.catalog import Sources
from systems.scheduling.data import Data
from systems.scheduling.names import SchedulingNames
from systems.scheduling.network import reach_of
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse

NO_VPC = ("The function reaches no private network resource (DynamoDB, SSM and Secrets Manager "
          "through their public endpoints, the public PF360 API over HTTPS); a VPC would add NAT "
          "cost and cold-start latency only. From phase 3 the functions that reach Aurora, Redis "
          "or PF360 run in the private subnets.")
# Phase 3: what each Lambda reaches inside or through the VPC, by construct id ("pf360": the
# NAT; "database"/"cache": Aurora/Redis with their IAM grants and endpoints). Every action-group
# Lambda reaches PF360 (build_functions). The chat API keeps session state and rate-limit
# counters in Redis and writes conversation audit rows to Aurora; the daily metrics job writes
# agent performance history to Aurora; the cache refresh calls PF360. cleanup_sessions (DynamoDB
# only) and Lambdas not listed stay outside the VPC.
VPC_REACH: dict[str, tuple[str, ...]] = {
    "function_chat_api": ("cache", "database"),
    "function_daily_metrics": ("database",),
    "function_refresh_cache": ("pf360",),
}
ACTION_REACH = ("pf360",)
# Phase 2 maintenance: function folder -> (schedule rule name part, description, timeout in s).
# A PF360 call may take 22 s with its retries, so the cache refresh gets minutes, not seconds.
MAINTENANCE = {
    "cleanup_sessions": ("cleanup-old-sessions", "Delete sessions idle longer than the setting", 120),
    "refresh_cache": ("refresh-cache", "Refresh PF360 answers about to expire in the cache", 300),
    "daily_metrics": ("daily-metrics", "Aggregate yesterday's agent metrics; report secret ages", 60),
}


def build_functions(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
                    data: Data, packages: dict[str, FunctionPackage]) -> dict[str, ActionFunction]:
    env = stack.env
    functions = {}
    for group, package in packages.items():
        extra = data.pf360_secret.read_statements() if data.pf360_secret else ()
        if settings.reaches("2"):
            cache = data.tables["appointment-cache"]
            extra = (*extra, *cache.read_statements(), *cache.write_statements(),
                     *data.parameters.read_statements())
        functions[group] = lambda_function(
            stack, settings, data, f"function_{group}", package,
            function_name=names.function(group), role_name=names.function_role(group),
            policy_name=names.function_policy(group),
            environment=action_environment(stack, settings, group, data, names),
            statements=extra, description=f"Bedrock action group '{group}' of the scheduling agents",
            reach=ACTION_REACH)
    return functions


def lambda_function(stack: SystemStack, settings: SchedulingSettings, data: Data,
                    construct_id: str, package: FunctionPackage, *, function_name: str,
                    role_name: str, policy_name: str, environment: dict[str, str],
                    statements: tuple[Statement, ...], description: str,
                    dead_letter_queue: Queue | None = None,
                    timeout_seconds: int | None = None,
                    reach: tuple[str, ...] | None = None,
                    synchronous_callers: str | None = None) -> ActionFunction:
    """`reach` (default: `VPC_REACH[construct_id]`) places the function in the phase-3 VPC."""
    sizing = settings.functions
    if dead_letter_queue is not None:
        statements = (*statements, *dead_letter_queue.send_statements())
    network = reach_of(stack)
    reach = (VPC_REACH.get(construct_id, ()) if reach is None else reach) if network else ()
    for target in reach:
        statements = (*statements, *network.statements[target])
        environment = {**environment, **network.environment[target]}
    function = ActionFunction(stack, construct_id, ActionFunctionProps(
        function_name=function_name, role_name=role_name, policy_name=policy_name,
        log_group_name=f"/aws/lambda/{function_name}", package=package,
        account_id=stack.env.account_id, region=stack.env.region,
        memory_mb=sizing.memory_mb, timeout_seconds=timeout_seconds or sizing.timeout_seconds,
        reserved_concurrency=sizing.reserved_concurrency,
        log_retention_days=sizing.log_retention_days, kms_key_arn=data.key_arn,
        environment=environment, extra_statements=statements, description=description,
        dead_letter_queue_arn=dead_letter_queue.queue_arn if dead_letter_queue else None,
        subnet_ids=network.network.subnet_ids if reach else (),
        security_group_ids=(network.network.functions.group_id,) if reach else (),
        **({"synchronous_callers": synchronous_callers} if synchronous_callers else {}),
    ))
    if not reach:
        suppress(function.function, "CKV_AWS_117", NO_VPC)
    if data.key_arn is None:
        excuse([function.function], ("CKV_AWS_173",), NO_CUSTOMER_KEY)
        excuse([function.log_group], ("CKV_AWS_158",), NO_CUSTOMER_KEY)
    return function


def base_environment(stack: SystemStack, settings: SchedulingSettings, service: str,
                     names: SchedulingNames) -> dict[str, str]:
    env = {"LOG_LEVEL": settings.functions.log_level, "POWERTOOLS_SERVICE_NAME": service}
    if settings.reaches("2"):
        env |= {"ENVIRONMENT": stack.env.environment,
                "SETTINGS_PARAMETER_PATH": names.parameter_path()}
    return env


def pf360_environment(settings: SchedulingSettings, data: Data) -> dict[str, str]:
    env = {"USE_MOCK_API": "true" if settings.uses_mock_data else "false"}
    if not settings.uses_mock_data:
        env["PF360_API_BASE_URL"] = settings.pf360.api_base_url
        env["PF360_CLIENT_ID"] = settings.pf360.client_id
    if data.pf360_secret is not None:
        # The secret's ARN only: the Lambda reads the value at run time and caches it.
        env["PF360_CREDENTIALS_SECRET_ARN"] = data.pf360_secret.secret_arn
    return env


def action_environment(stack: SystemStack, settings: SchedulingSettings, group: str, data: Data,
                       names: SchedulingNames) -> dict[str, str]:
    env = {**base_environment(stack, settings, f"{stack.env.prefix}-{group}-actions", names),
           **pf360_environment(settings, data)}
    if settings.reaches("2"):
        env["CACHE_TABLE"] = data.tables["appointment-cache"].table_name
    return env


def build_maintenance(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
                      data: Data, sources: Sources) -> dict[str, ActionFunction]:
    """Phase 2: the scheduled Lambdas, each with its schedule, retries and dead-letter queue."""
    env, tables = stack.env, data.tables
    conversations, sessions = tables["conversation-history"], tables["session-state"]
    cache, metrics = tables["appointment-cache"], tables["agent-metrics"]
    grants = {
        "cleanup_sessions": (*sessions.scan_statements(), *sessions.read_statements(),
                             *sessions.write_statements(), *conversations.read_statements(),
                             *conversations.write_statements()),
        "refresh_cache": (*cache.scan_statements(), *cache.read_statements(),
                          *cache.write_statements(),
                          *(data.pf360_secret.read_statements() if data.pf360_secret else ())),
        "daily_metrics": (*metrics.write_statements(),
                          # GetMetricData has no resource-level permissions.
                          Statement(sid="ReadMetrics", actions=("cloudwatch:GetMetricData",),
                                    resources=("*",)),
                          Statement(sid="DescribeSecrets", actions=("secretsmanager:DescribeSecret",),
                                    resources=tuple(s.secret_arn for s in data.all_secrets()))),
    }
    variables = {
        "cleanup_sessions": {"SESSION_TABLE": sessions.table_name,
                             "CONVERSATION_TABLE": conversations.table_name},
        "refresh_cache": {"CACHE_TABLE": cache.table_name, **pf360_environment(settings, data)},
        "daily_metrics": {"METRICS_TABLE": metrics.table_name,
                          "SECRET_ARNS": ",".join(s.secret_arn for s in data.all_secrets())},
    }
    schedules = settings.schedules
    functions = {}
    for name, (rule_part, description, timeout) in MAINTENANCE.items():
        rule_name = names.rule(rule_part)
        queue = Queue(stack, f"{name}_dlq", QueueProps(
            name=f"{rule_name}-dlq", kms_key_arn=data.key_arn, region=env.region,
            grant_id="DeadLetters", extra_policy_statements=(Statement(
                sid="ScheduleDeliversFailures", actions=("sqs:SendMessage",),
                resources=(QUEUE_ARN,), principals=(("Service", ("events.amazonaws.com",)),),
                conditions=(("ArnEquals", "aws:SourceArn",
                             (Schedule.rule_arn_of(rule_name, env.account_id, env.region),)),)),)))
        function_name = names.service_function(name.replace("_", "-"))
        function = lambda_function(
            stack, settings, data, f"function_{name}",
            build_function_package(name, sources.lambda_root, action_group=False),
            function_name=function_name, role_name=names.service_role(name.replace("_", "-")),
            policy_name=names.service_policy(name.replace("_", "-")),
            environment={**base_environment(stack, settings, function_name, names),
                         **variables[name]},
            statements=(*grants[name], *data.parameters.read_statements()),
            description=description, dead_letter_queue=queue, timeout_seconds=timeout)
        Schedule(stack, f"schedule_{name}", ScheduleProps(
            rule_name=rule_name, schedule_expression=getattr(schedules, name),
            description=description, function_arn=function.function_arn,
            function_name=function.function_name, kms_key_arn=data.key_arn,
            dead_letter_queue_arn=queue.queue_arn))
        functions[name] = function
    return functions
