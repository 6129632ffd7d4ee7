"""Function layer: one action Lambda per action group of the agent table."""

from __future__ import annotations

from modules.action_function import ActionFunction, ActionFunctionProps
from modules.lambda_package import FunctionPackage
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.scheduling.data import Data
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse


def build_functions(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
                    data: Data, packages: dict[str, FunctionPackage]) -> dict[str, ActionFunction]:
    env, sizing = stack.env, settings.functions
    functions = {}
    for group, package in packages.items():
        function = ActionFunction(stack, f"function_{group}", ActionFunctionProps(
            function_name=names.function(group),
            role_name=names.function_role(group),
            policy_name=names.function_policy(group),
            log_group_name=names.function_log_group(group),
            package=package,
            account_id=env.account_id, region=env.region,
            memory_mb=sizing.memory_mb,
            timeout_seconds=sizing.timeout_seconds,
            reserved_concurrency=sizing.reserved_concurrency,
            log_retention_days=sizing.log_retention_days,
            kms_key_arn=data.key_arn,
            environment=function_environment(stack, settings, group, data),
            extra_statements=data.pf360_secret.read_statements() if data.pf360_secret else (),
            description=f"Bedrock action group '{group}' of the scheduling agents",
        ))
        suppress(function.function, "CKV_AWS_117",
                 "The function reaches no private network resource (mock data, or the public PF360 "
                 "API over HTTPS); a VPC would add NAT cost and cold-start latency only.")
        if data.key_arn is None:
            excuse([function.function], ("CKV_AWS_173",), NO_CUSTOMER_KEY)
            excuse([function.log_group], ("CKV_AWS_158",), NO_CUSTOMER_KEY)
        functions[group] = function
    return functions


def function_environment(stack: SystemStack, settings: SchedulingSettings, group: str,
                         data: Data) -> dict[str, str]:
    env = {
        "USE_MOCK_API": "true" if settings.uses_mock_data else "false",
        "LOG_LEVEL": settings.functions.log_level,
        "POWERTOOLS_SERVICE_NAME": f"{stack.env.prefix}-{group}-actions",
    }
    if not settings.uses_mock_data:
        env["PF360_API_BASE_URL"] = settings.pf360.api_base_url
        env["PF360_CLIENT_ID"] = settings.pf360.client_id
    if data.pf360_secret is not None:
        # The secret's ARN only: the Lambda reads the value at run time and caches it.
        env["PF360_CREDENTIALS_SECRET_ARN"] = data.pf360_secret.secret_arn
    return env
