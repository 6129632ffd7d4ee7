"""A regional API Gateway REST API fronting one Lambda function through proxy integrations.

Callers send an API key that API Gateway generates (`modules.rest_api_usage`), and/or a
credential an authorizer checks (`modules.rest_api_authorizer`); routes may name extra backend
functions (`Route.backend`). Execution
logging and access logging need the account's API Gateway CloudWatch role, which one stack per
account and region sets (`manage_account_logging_role`, or `AccountLogging` elsewhere).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cdktf import (DefaultTokenResolver, StringConcat, TerraformResourceLifecycle, TerraformStack,
                   Tokenization)
from constructs import Construct

from modules.aws import provider_module
from modules.aws_rules import LOG_RETENTION_DAYS
from modules.rest_api_account import AccountLogging, AccountLoggingProps
from modules.rest_api_authorizer import Authorizer, attach_authorizer
from modules.rest_api_cors import error_headers, validate_origins
from modules.rest_api_routes import Backend, MethodAuthorization, Route, slug, source_path
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
    #: Every route method is behind this authorizer, except routes with `authorize=False`.
    authorizer: Authorizer | None = None
    #: The usage plan with its generated API key; False when no route requires a key (callers
    #: identified by the authorizer only). Then `api_key_id` is None.
    api_key_usage_plan: bool = True
    #: Further functions serving the routes that name them (`Route.backend`); each may be
    #: invoked only through its own routes.
    backends: tuple[Backend, ...] = ()
    #: Seconds the stage caches GET responses (encrypted, 0.5 GB cluster); 0 turns caching off.
    cache_ttl_seconds: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.cache_ttl_seconds <= 3600:
            raise ValueError(f"cache_ttl_seconds {self.cache_ttl_seconds}: 0-3600")
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
        if not self.api_key_usage_plan and any(r.api_key_required for r in self.routes):
            raise ValueError("api_key_usage_plan=False leaves no key for the routes that require "
                             "one; set api_key_required=False on them")


class RestApi(Construct):
    """Exposes `rest_api_id`, `stage_name`, `invoke_url`, `execution_arn`, `stage_arn` (for a
    WAF association), `api_key_id` (None without a usage plan), `authorizer_id` (None without
    an authorizer), and the L1 resources `stage` and `log_groups` (access logs,
    execution logs)."""

    def __init__(self, scope: Construct, construct_id: str, props: RestApiProps) -> None:
        super().__init__(scope, construct_id)
        validate_origins(props.cors_allow_origins)
        self._check_backends(props)
        rest_apis = provider_module("api_gateway_rest_api")
        api = rest_apis.ApiGatewayRestApi(
            self, "api", name=props.api_name, description=props.description,
            endpoint_configuration=rest_apis.ApiGatewayRestApiEndpointConfiguration(
                types=["REGIONAL"]),
            # A replaced API (new id) serves until the old one is destroyed.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True))
        authorization = attach_authorizer(
            self, "authorizer", props.authorizer, rest_api_id=api.id,
            execution_arn=api.execution_arn, region=props.region,
        ) if props.authorizer else MethodAuthorization()
        uri = f"arn:aws:apigateway:{props.region}:lambda:path/2015-03-31/functions/{{}}/invocations"
        tree_props = RouteTreeProps(
            rest_api_id=api.id, root_resource_id=api.root_resource_id,
            integration_uri=uri.format(props.function_arn),
            backend_uris={b.key: uri.format(b.function_arn) for b in props.backends},
            routes=props.routes, cors_allow_origins=props.cors_allow_origins,
            integration_timeout_ms=props.integration_timeout_ms, authorization=authorization)
        tree = RouteTree(self, "routes", tree_props)
        errors = error_headers(self, "cors_errors", rest_api_id=api.id,
                               origins=props.cors_allow_origins)
        triggers = {"routes": fingerprint(tree_props), "backend": props.function_arn}
        if props.authorizer:  # only when set: APIs without one keep their triggers
            triggers["authorizer"] = props.authorizer.fingerprint(self._resolve)
        if props.backends:
            triggers["backends"] = ",".join(b.function_arn for b in props.backends)
        deployment = provider_module("api_gateway_deployment").ApiGatewayDeployment(
            self, "deployment", rest_api_id=api.id, triggers=triggers,
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
            cache_cluster_enabled=True if props.cache_ttl_seconds else None,
            cache_cluster_size="0.5" if props.cache_ttl_seconds else None,
            access_log_settings=stages.ApiGatewayStageAccessLogSettings(
                destination_arn=logs[0].arn, format=ACCESS_LOG_FORMAT),
            depends_on=logs[1:])
        if not props.cache_ttl_seconds:
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
                data_trace_enabled=False, caching_enabled=bool(props.cache_ttl_seconds),
                cache_data_encrypted=True,
                cache_ttl_in_seconds=props.cache_ttl_seconds or None,
                throttling_rate_limit=props.throttle_rate_per_second,
                throttling_burst_limit=props.throttle_burst))
        if not props.cache_ttl_seconds:
            suppress(method_settings, "CKV_AWS_225", NO_CACHE)
        # `<api>-<stage>`, unless the API name already ends with the stage (per-environment APIs
        # whose stage is named after the environment).
        plan_name = props.api_name if props.api_name.endswith(f"-{props.stage_name}") \
            else f"{props.api_name}-{props.stage_name}"
        self.api_key_id: str | None = usage_plan_with_key(
            self, name=plan_name, api_id=api.id,
            stage_name=stage.stage_name, rate_per_second=props.throttle_rate_per_second,
            burst=props.throttle_burst) if props.api_key_usage_plan else None
        provider_module("lambda_permission").LambdaPermission(
            self, "invoke_permission", statement_id="AllowApiGatewayInvoke",
            action="lambda:InvokeFunction", function_name=props.function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{api.execution_arn}/{props.stage_name}/*/*")
        self._backend_permissions(props, api.execution_arn)
        self.stage = stage
        self.authorizer_id: str | None = authorization.authorizer_id
        self.rest_api_id: str = api.id
        self.stage_name: str = stage.stage_name
        self.invoke_url: str = stage.invoke_url
        self.execution_arn: str = api.execution_arn
        self.stage_arn: str = stage.arn

    @staticmethod
    def _check_backends(props: RestApiProps) -> None:
        keys = [b.key for b in props.backends]
        if len(set(keys)) != len(keys):
            raise ValueError("two backends share one key")
        unused = sorted(set(keys) - {r.backend for r in props.routes})
        if unused:
            raise ValueError(f"backends no route uses: {unused}")

    def _backend_permissions(self, props: RestApiProps, execution_arn: str) -> None:
        """One invoke permission per route of an extra backend, scoped to that method and path
        of this stage."""
        functions = {b.key: b.function_name for b in props.backends}
        permission = provider_module("lambda_permission").LambdaPermission
        for route in props.routes:
            if route.backend:
                name = f"{route.method.lower()}_{slug(route.path)}"
                permission(self, f"invoke_{name}", statement_id=f"AllowApiGateway_{name}"[:100],
                           action="lambda:InvokeFunction", function_name=functions[route.backend],
                           principal="apigateway.amazonaws.com",
                           source_arn=f"{execution_arn}/{props.stage_name}/{route.method}/"
                                      f"{source_path(route)}")

    def _resolve(self, value):
        """`value` with its references as the Terraform expressions they synthesize to."""
        return Tokenization.resolve(value, scope=TerraformStack.of(self),
                                    resolver=DefaultTokenResolver(StringConcat()))

    def _log_groups(self, api_id: str, props: RestApiProps) -> list:
        """Access-log group first, then the execution-log group API Gateway writes to by name
        (created here so it gets a retention period and the key)."""
        group = provider_module("cloudwatch_log_group").CloudwatchLogGroup
        return [group(self, kind, name=name, retention_in_days=props.access_log_retention_days,
                      kms_key_id=props.kms_key_arn)
                for kind, name in (
                    ("access_logs", props.access_log_group_name),
                    ("execution_logs", f"API-Gateway-Execution-Logs_{api_id}/{props.stage_name}"))]
