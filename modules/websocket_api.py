"""An API Gateway WebSocket API whose routes are served by Lambda functions.

Routes `$connect`, `$disconnect`, `$default` (and any custom route keys) each get an AWS_PROXY
integration and a Lambda permission for exactly that route of this API's stage. `$connect` is
the only route API Gateway authorizes on a WebSocket API (a later message travels on the
already-authorized connection), so the authorization type is set there only: "AWS_IAM" (SigV4-
signed connect request; callers need `execute-api:Invoke` on the route) or "NONE". The stage
deploys automatically and writes JSON access logs to its own KMS-encrypted log group, with
throttling on every route.

`manage_connections_statements()` is what a function that posts back to clients through the
management API (`https://<api id>.execute-api.<region>.amazonaws.com/<stage>`) needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from constructs import Construct

from modules.aws import provider_module
from modules.aws_rules import LOG_RETENTION_DAYS
from modules.policy import Statement
from modules.suppressions import suppress

ACCESS_LOG_FORMAT = json.dumps({key: f"$context.{value}" for key, value in (
    ("requestId", "requestId"), ("ip", "identity.sourceIp"), ("caller", "identity.caller"),
    ("user", "identity.user"), ("requestTime", "requestTime"), ("eventType", "eventType"),
    ("routeKey", "routeKey"), ("status", "status"), ("connectionId", "connectionId"),
    ("integrationStatus", "integration.status"), ("errorMessage", "error.message"))})
BUILT_IN_ROUTES = ("$connect", "$disconnect", "$default")
AUTHORIZATIONS = ("AWS_IAM", "NONE")


@dataclass(frozen=True)
class RouteTarget:
    """The function serving a route: its ARN (for the integration) and name (permission)."""

    function_arn: str
    function_name: str


@dataclass(frozen=True)
class WebSocketApiProps:
    name: str
    stage_name: str
    access_log_group_name: str
    #: Route key -> function; must contain $connect, $disconnect and $default.
    routes: dict[str, RouteTarget]
    account_id: str
    region: str
    #: Authorization of $connect: "AWS_IAM" or "NONE".
    connect_authorization: str = "AWS_IAM"
    route_selection_expression: str = "$request.body.action"
    throttling_rate_limit: float = 10
    throttling_burst_limit: int = 20
    access_log_retention_days: int = 365
    kms_key_arn: str | None = None
    description: str = ""
    #: Consumer of the routes without authorization (the CKV_AWS_309 reason names it).
    unauthorized_routes_reason: str = (
        "API Gateway authorizes a WebSocket connection once, on $connect; $disconnect and "
        "messages on the connection carry no credentials of their own and cannot have an "
        "authorizer.")
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [r for r in BUILT_IN_ROUTES if r not in self.routes]
        if missing:
            raise ValueError(f"websocket API {self.name}: routes {', '.join(missing)} are required")
        if self.connect_authorization not in AUTHORIZATIONS:
            raise ValueError(f"websocket API {self.name}: connect_authorization must be one of "
                             f"{', '.join(AUTHORIZATIONS)}")
        if not 0 < self.throttling_rate_limit <= 10000 or not 0 < self.throttling_burst_limit <= 5000:
            raise ValueError(f"websocket API {self.name}: throttling rate 0-10000, burst 1-5000")
        if self.access_log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(f"websocket API {self.name}: access_log_retention_days must be one of "
                             f"{LOG_RETENTION_DAYS}")


class WebSocketApi(Construct):
    """Exposes `api` and `stage` (L1), `api_id`, `execution_arn`, `endpoint` (wss URL),
    `management_endpoint` (https URL for @connections) and `routes` (route key -> L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: WebSocketApiProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        api = provider_module("apigatewayv2_api").Apigatewayv2Api(
            self, "api", name=props.name, protocol_type="WEBSOCKET",
            route_selection_expression=props.route_selection_expression,
            description=props.description or None, tags=props.tags or None)
        log_group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            self, "access_logs", name=props.access_log_group_name,
            retention_in_days=props.access_log_retention_days, kms_key_id=props.kms_key_arn)
        integration_cls = provider_module("apigatewayv2_integration").Apigatewayv2Integration
        route_cls = provider_module("apigatewayv2_route").Apigatewayv2Route
        permission_cls = provider_module("lambda_permission").LambdaPermission
        uri = f"arn:aws:apigateway:{props.region}:lambda:path/2015-03-31/functions/{{}}/invocations"
        self.routes: dict[str, object] = {}
        for index, (route_key, target) in enumerate(props.routes.items()):
            slug = route_key.strip("$").replace("-", "_") or f"route{index}"
            integration = integration_cls(
                self, f"integration_{slug}", api_id=api.id, integration_type="AWS_PROXY",
                integration_method="POST", integration_uri=uri.format(target.function_arn),
                content_handling_strategy="CONVERT_TO_TEXT", passthrough_behavior="WHEN_NO_MATCH")
            connect = route_key == "$connect"
            route = route_cls(
                self, f"route_{slug}", api_id=api.id, route_key=route_key,
                target=f"integrations/{integration.id}",
                authorization_type=props.connect_authorization if connect else "NONE")
            if not connect or props.connect_authorization == "NONE":
                suppress(route, "CKV_AWS_309", props.unauthorized_routes_reason if not connect else
                         "The caller chose an open $connect (connect_authorization NONE).")
            permission_cls(
                self, f"invoke_{slug}", statement_id=f"AllowWebSocket{slug.title()}",
                action="lambda:InvokeFunction", function_name=target.function_name,
                principal="apigateway.amazonaws.com",
                source_arn=f"{api.execution_arn}/{props.stage_name}/{route_key}")
            self.routes[route_key] = route
        stages = provider_module("apigatewayv2_stage")
        self.stage = stages.Apigatewayv2Stage(
            self, "stage", api_id=api.id, name=props.stage_name, auto_deploy=True,
            access_log_settings=stages.Apigatewayv2StageAccessLogSettings(
                destination_arn=log_group.arn, format=ACCESS_LOG_FORMAT),
            default_route_settings=stages.Apigatewayv2StageDefaultRouteSettings(
                throttling_rate_limit=props.throttling_rate_limit,
                throttling_burst_limit=props.throttling_burst_limit,
                detailed_metrics_enabled=True),
            tags=props.tags or None,
            # The routes exist before the first automatic deployment.
            depends_on=list(self.routes.values()))
        suppress(self.stage, "CKV2_AWS_51",
                 "Client certificates authenticate API Gateway to HTTP backends; every route "
                 "integrates a Lambda function, invoked through IAM.")
        self.api = api
        self.log_group = log_group
        self.api_id: str = api.id
        self.execution_arn: str = api.execution_arn
        self.endpoint = f"{api.api_endpoint}/{props.stage_name}"
        self.management_endpoint = (f"https://{api.id}.execute-api.{props.region}.amazonaws.com/"
                                    f"{props.stage_name}")

    def manage_connections_statements(self) -> tuple[Statement, ...]:
        """Post to and close this stage's connections, nothing else."""
        return (Statement(sid="PostToConnections", actions=("execute-api:ManageConnections",),
                          resources=(f"{self.execution_arn}/{self._props.stage_name}/*/@connections/*",)),)

    def connect_statements(self) -> tuple[Statement, ...]:
        """What an IAM caller needs to open a connection (AWS_IAM on $connect)."""
        return (Statement(sid="ConnectWebSocket", actions=("execute-api:Invoke",),
                          resources=(f"{self.execution_arn}/{self._props.stage_name}/$connect",)),)
