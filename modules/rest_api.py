"""A regional API Gateway REST API fronting one Lambda function through proxy integrations.

Callers send an API key that API Gateway generates (`modules.rest_api_usage`). Execution
logging and access logging need the account's API Gateway CloudWatch role, which one stack per
account and region sets (`manage_account_logging_role`, or `AccountLogging` elsewhere).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module
from modules.aws_rules import LOG_RETENTION_DAYS
from modules.rest_api_account import AccountLogging, AccountLoggingProps
from modules.rest_api_cors import error_headers, validate_origins
from modules.rest_api_routes import Route
from modules.rest_api_tree import RouteTree, RouteTreeProps, fingerprint
from modules.rest_api_usage import usage_plan_with_key
from modules.suppressions import suppress

#: One JSON object per request; `resourcePath` is the route template, so no ids are logged.
ACCESS_LOG_FORMAT = json.dumps({key: f"$context.{value}" for key, value in (
    ("requestId", "requestId"), ("ip", "identity.sourceIp"), ("requestTime", "requestTime"),
    ("httpMethod", "httpMethod"), ("resourcePath", "resourcePath"), ("status", "status"),
    ("protocol", "protocol"), ("responseLength", "responseLength"),
    ("apiKeyId", "identity.apiKeyId"), ("userAgent", "identity.userAgent"),
    ("integrationStatus", "integration.status"), ("integrationLatency", "integration.latency"),
    ("responseLatency", "responseLatency"), ("errorMessage", "error.message"),
    ("xrayTraceId", "xrayTraceId"))})

NO_CACHE = ("Responses are agent replies to new chat turns and session state that changes "
            "between calls; a cache would serve stale answers.")


@dataclass(frozen=True)
class RestApiProps:
    api_name: str
    stage_name: str
    #: The backend: every route invokes this function with the proxy event.
    function_arn: str
    function_name: str
    routes: tuple[Route, ...]
    access_log_group_name: str
    account_id: str
    region: str
    #: Encrypts the access-log and execution-log groups; None uses CloudWatch Logs' own keys.
    kms_key_arn: str | None = None
    #: Browser origins allowed to call the API; () answers no CORS preflight.
    cors_allow_origins: tuple[str, ...] = ()
    #: Steady-state requests per second, for the stage and for the API key's usage plan.
    throttle_rate_per_second: float = 10.0
    throttle_burst: int = 20
    access_log_retention_days: int = 365
    #: API Gateway gives up on the Lambda after this long (29 s is the default quota).
    integration_timeout_ms: int = 29000
    #: Set the account's API Gateway CloudWatch role; one stack per account and region may.
    manage_account_logging_role: bool = False
    #: Name of that role; required when manage_account_logging_role is True.
    account_logging_role_name: str = ""
    #: Why the stage has no WAF web ACL (becomes the CKV2_AWS_29 suppression); leave "" once a
    #: web ACL is associated with `stage_arn`.
    no_waf_reason: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", self.stage_name):
            raise ValueError(f"stage name {self.stage_name!r} must be 1-128 letters, digits, "
                             "'-' or '_'")
        if self.access_log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError("access_log_retention_days must be one of "
                             + ", ".join(map(str, LOG_RETENTION_DAYS)))
        if self.throttle_rate_per_second <= 0 or self.throttle_burst < 1:
            raise ValueError("throttle_rate_per_second must be > 0 and throttle_burst >= 1")
        if self.integration_timeout_ms < 50:
            raise ValueError("integration_timeout_ms must be at least 50")
        if self.manage_account_logging_role and not self.account_logging_role_name:
            raise ValueError("manage_account_logging_role needs account_logging_role_name")


class RestApi(Construct):
    """Exposes `rest_api_id`, `stage_name`, `invoke_url`, `execution_arn`, `stage_arn` (for a
    WAF association), `api_key_id`, and the L1 resources `stage` and `log_groups` (access logs,
    execution logs)."""

    def __init__(self, scope: Construct, construct_id: str, props: RestApiProps) -> None:
        super().__init__(scope, construct_id)
        validate_origins(props.cors_allow_origins)
        rest_apis = provider_module("api_gateway_rest_api")
        api = rest_apis.ApiGatewayRestApi(
            self, "api", name=props.api_name, description=props.description,
            endpoint_configuration=rest_apis.ApiGatewayRestApiEndpointConfiguration(
                types=["REGIONAL"]),
            # A replaced API (new id) serves until the old one is destroyed.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True))
        tree_props = RouteTreeProps(
            rest_api_id=api.id, root_resource_id=api.root_resource_id,
            integration_uri=f"arn:aws:apigateway:{props.region}:lambda:path/2015-03-31/functions/"
                            f"{props.function_arn}/invocations",
            routes=props.routes, cors_allow_origins=props.cors_allow_origins,
            integration_timeout_ms=props.integration_timeout_ms)
        tree = RouteTree(self, "routes", tree_props)
        errors = error_headers(self, "cors_errors", rest_api_id=api.id,
                               origins=props.cors_allow_origins)
        deployment = provider_module("api_gateway_deployment").ApiGatewayDeployment(
            self, "deployment", rest_api_id=api.id,
            triggers={"routes": fingerprint(tree_props), "backend": props.function_arn},
            depends_on=[*tree.deployment_dependencies, *errors],
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True))
        logs = self._log_groups(api.id, props)
        self.log_groups = tuple(logs)
        if props.manage_account_logging_role:
            logs.append(AccountLogging(self, "account_logging", AccountLoggingProps(
                role_name=props.account_logging_role_name, account_id=props.account_id,
                region=props.region)).account)
        stages = provider_module("api_gateway_stage")
        stage = stages.ApiGatewayStage(
            self, "stage", rest_api_id=api.id, deployment_id=deployment.id,
            stage_name=props.stage_name, xray_tracing_enabled=True,
            access_log_settings=stages.ApiGatewayStageAccessLogSettings(
                destination_arn=logs[0].arn, format=ACCESS_LOG_FORMAT),
            depends_on=logs[1:])
        suppress(stage, "CKV_AWS_120", NO_CACHE)
        suppress(stage, "CKV2_AWS_51", "Client certificates authenticate API Gateway to HTTP "
                 "backends; the only backend is a Lambda invoked through IAM.")
        if props.no_waf_reason:
            suppress(stage, "CKV2_AWS_29", props.no_waf_reason)
        settings = provider_module("api_gateway_method_settings")
        method_settings = settings.ApiGatewayMethodSettings(
            self, "method_settings", rest_api_id=api.id, stage_name=stage.stage_name,
            method_path="*/*", settings=settings.ApiGatewayMethodSettingsSettings(
                metrics_enabled=True, logging_level="INFO",
                # Full request and response logging would copy chat text into the logs.
                data_trace_enabled=False, caching_enabled=False, cache_data_encrypted=True,
                throttling_rate_limit=props.throttle_rate_per_second,
                throttling_burst_limit=props.throttle_burst))
        suppress(method_settings, "CKV_AWS_225", NO_CACHE)
        # `<api>-<stage>`, unless the API name already ends with the stage (per-environment APIs
        # whose stage is named after the environment).
        plan_name = props.api_name if props.api_name.endswith(f"-{props.stage_name}") \
            else f"{props.api_name}-{props.stage_name}"
        self.api_key_id: str = usage_plan_with_key(
            self, name=plan_name, api_id=api.id,
            stage_name=stage.stage_name, rate_per_second=props.throttle_rate_per_second,
            burst=props.throttle_burst)
        provider_module("lambda_permission").LambdaPermission(
            self, "invoke_permission", statement_id="AllowApiGatewayInvoke",
            action="lambda:InvokeFunction", function_name=props.function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{api.execution_arn}/{props.stage_name}/*/*")
        self.stage = stage
        self.rest_api_id: str = api.id
        self.stage_name: str = stage.stage_name
        self.invoke_url: str = stage.invoke_url
        self.execution_arn: str = api.execution_arn
        self.stage_arn: str = stage.arn

    def _log_groups(self, api_id: str, props: RestApiProps) -> list:
        """Access-log group first, then the execution-log group API Gateway writes to by name
        (created here so it gets a retention period and the key)."""
        group = provider_module("cloudwatch_log_group").CloudwatchLogGroup
        return [group(self, kind, name=name, retention_in_days=props.access_log_retention_days,
                      kms_key_id=props.kms_key_arn)
                for kind, name in (
                    ("access_logs", props.access_log_group_name),
                    ("execution_logs", f"API-Gateway-Execution-Logs_{api_id}/{props.stage_name}"))]
