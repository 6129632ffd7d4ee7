"""The WebSocket API (the specification's real-time status channel): `$connect`,
`$disconnect` and `$default` served by one function (lambda/allocation/websocket/) that keeps
open connections in the `websocket-connections` table (TTL) and answers status requests for a
job id from the jobs table, posting back through the management API. `$connect` takes IAM
(SigV4) callers; the stage logs access and throttles every route."""

from __future__ import annotations

from modules.action_function import ActionFunction, ActionFunctionProps
from modules.aws import provider_module
from modules.lambda_package import FunctionPackage
from modules.policy import Statement, kms_via_service, policy_document
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from modules.websocket_api import RouteTarget, WebSocketApi, WebSocketApiProps
from systems.allocation.data import Data
from systems.allocation.names import AllocationNames
from systems.allocation.settings import AllocationSettings

PART = "websocket"
ROUTES = ("$connect", "$disconnect", "$default")


def build_websocket(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
                    data: Data, package: FunctionPackage) -> tuple[WebSocketApi, ActionFunction]:
    env, config = stack.env, settings.websocket
    connections = data.tables["websocket-connections"]
    jobs = data.tables["optimization-jobs"]
    function = ActionFunction(stack, "fn_websocket", ActionFunctionProps(
        function_name=names.function(PART), role_name=names.function_role(PART),
        policy_name=names.function_policy(PART), log_group_name=names.log_group(PART),
        package=package, handler="handler.lambda_handler", account_id=env.account_id,
        region=env.region, memory_mb=256, timeout_seconds=10,
        reserved_concurrency=settings.functions.reserved_concurrency,
        log_retention_days=settings.functions.log_retention_days, kms_key_arn=data.key_arn,
        environment={"CONNECTIONS_TABLE": connections.table_name, "JOBS_TABLE": jobs.table_name,
                     "CONNECTION_TTL_SECONDS": str(config.connection_ttl_minutes * 60),
                     "LOG_LEVEL": settings.functions.log_level},
        description="WebSocket routes: connections and job status",
        extra_statements=(
            Statement(sid="TrackConnections", actions=("dynamodb:PutItem", "dynamodb:DeleteItem"),
                      resources=(connections.table_arn,)),
            Statement(sid="ReadJobs", actions=("dynamodb:Query",), resources=(jobs.table_arn,)),
            kms_via_service("UseTableKey", data.key_arn, "dynamodb", env.region,
                            actions=("kms:Decrypt", "kms:GenerateDataKey"))),
        synchronous_callers="the WebSocket API's routes",
        architecture=settings.functions.architecture))
    suppress(function.function, "CKV_AWS_117",
             "Reaches only DynamoDB and the API Gateway management API over TLS with IAM; "
             "nothing it calls lives in the VPC.")
    target = RouteTarget(function.function_arn, function.function_name)
    api = WebSocketApi(stack, "websocket", WebSocketApiProps(
        name=names.websocket_api(), stage_name=env.environment,
        access_log_group_name=names.websocket_log_group(),
        routes={route: target for route in ROUTES}, account_id=env.account_id, region=env.region,
        connect_authorization="AWS_IAM", throttling_rate_limit=config.requests_per_second,
        throttling_burst_limit=config.burst,
        access_log_retention_days=settings.functions.log_retention_days, kms_key_arn=data.key_arn,
        description=f"Asset allocation: job status over WebSocket ({env.environment})"))
    # Posting back needs the API's id, which exists only after the function: a second policy.
    document = policy_document(stack, "websocket_post_back_document",
                               list(api.manage_connections_statements()))
    provider_module("iam_role_policy").IamRolePolicy(
        stack, "websocket_post_back", name=names.function_policy(f"{PART}-post-back"),
        role=names.function_role(PART), policy=document.json, depends_on=[function.function])
    return api, function
