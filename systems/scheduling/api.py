"""API layer (phase 2): the REST API `<prefix>-scheduling-api-<env>` and its chat Lambda, which
invokes the supervisor alias with the customer's ids as session attributes."""

from __future__ import annotations

from modules.action_function import ActionFunction
from modules.agent_team import AgentTeam
from modules.lambda_package import build_function_package
from modules.policy import Statement
from modules.rest_api import RestApi, RestApiProps, Route
from modules.rest_api_authorizer import Authorizer
from modules.stacks.system_stack import SystemStack
from modules.user_pool import UserPool
from systems.scheduling.catalog import Sources
from systems.scheduling.data import Data
from systems.scheduling.functions import base_environment, lambda_function
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse

CHAT_REQUEST = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "ChatRequest",
    "type": "object",
    "required": ["customer_id", "client_id", "message"],
    "additionalProperties": False,
    "properties": {
        "session_id": {"type": "string", "pattern": "^[0-9a-f-]{36}$"},
        "customer_id": {"type": "string", "pattern": "^[A-Z0-9]{3,32}$"},
        "client_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "message": {"type": "string", "minLength": 1, "maxLength": 2000},
    },
}
ROUTES = (
    Route("/chat", "POST", request_model=CHAT_REQUEST),
    Route("/sessions/{session_id}", "GET"),
    Route("/sessions/{session_id}", "DELETE"),
    Route("/health", "GET", api_key_required=False,
          open_reason="Liveness probe for uptime checks; answers a constant without reading data."),
)
# Phase 3: a Cognito user-pool authorizer in front of every route but /health; the customer and
# client come from the ID token's claims, so the body needs only the message.
CHAT_REQUEST_AUTHORIZED = {**CHAT_REQUEST, "title": "AuthorizedChatRequest",
                           "required": ["message"]}
AUTHORIZED_ROUTES = (
    Route("/chat", "POST", request_model=CHAT_REQUEST_AUTHORIZED),
    Route("/sessions/{session_id}", "GET"),
    Route("/sessions/{session_id}", "DELETE"),
    Route("/health", "GET", api_key_required=False, authorize=False,
          open_reason="Liveness probe for uptime checks and the Route 53 health checks; answers "
                      "a constant without reading data."),
)
NO_WAF = ("The web ACL (rate limit, geo and managed rule sets) arrives with the enterprise "
          "phase; until then the usage plan's API key and rate limit protect the stage.")


def build_api(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
              data: Data, team: AgentTeam, sources: Sources,
              users: UserPool | None = None) -> tuple[RestApi, ActionFunction]:
    """`users` (phase 3): the user pool whose ID tokens the API's authorizer accepts; the web
    ACL associated in the edge layer then protects the stage."""
    env, tables = stack.env, data.tables
    conversations, sessions = tables["conversation-history"], tables["session-state"]
    function_name = names.service_function("chat-api")
    chat = lambda_function(
        stack, settings, data, "function_chat_api",
        build_function_package("chat_api", sources.lambda_root, action_group=False),
        function_name=function_name, role_name=names.service_role("chat-api"),
        policy_name=names.service_policy("chat-api"),
        environment={**base_environment(stack, settings, function_name, names),
                     "SUPERVISOR_AGENT_ID": team.supervisor.agent_id,
                     "SUPERVISOR_ALIAS_ID": team.supervisor_alias.agent_alias_id,
                     "CONVERSATION_TABLE": conversations.table_name,
                     "SESSION_TABLE": sessions.table_name,
                     # The caller's customer and client come from the token, not the request.
                     **({"AUTH_MODE": "cognito"} if users else {}),
                     # Proxy integrations pass the response through: the Lambda adds CORS headers.
                     **({"CORS_ALLOW_ORIGINS": ",".join(settings.api.cors_allow_origins)}
                        if settings.api.cors_allow_origins else {})},
        statements=(
            Statement(sid="InvokeSupervisor", actions=("bedrock:InvokeAgent",),
                      resources=(team.supervisor_alias.agent_alias_arn,)),
            *conversations.read_statements(), *conversations.write_statements(),
            *sessions.read_statements(), *sessions.write_statements(),
            *data.parameters.read_statements()),
        description="REST API backend: chat with the supervisor agent, sessions, health")
    api = RestApi(stack, "api", RestApiProps(
        api_name=names.api(), stage_name=env.environment, function_arn=chat.function_arn,
        function_name=chat.function_name, routes=AUTHORIZED_ROUTES if users else ROUTES,
        access_log_group_name=names.api_log_group(), account_id=env.account_id,
        region=env.region, kms_key_arn=data.key_arn,
        cors_allow_origins=settings.api.cors_allow_origins,
        throttle_rate_per_second=round(settings.api.requests_per_minute / 60, 3),
        throttle_burst=settings.api.burst,
        access_log_retention_days=settings.functions.log_retention_days,
        manage_account_logging_role=settings.api.manage_account_logging_role,
        account_logging_role_name=names.service_role("apigateway-logs")
        if settings.api.manage_account_logging_role else "",
        no_waf_reason="" if users else NO_WAF,
        authorizer=Authorizer.cognito(names.user_pool(), (users.pool_arn,)) if users else None,
        description=f"Scheduling agents: chat, sessions and health ({env.environment})"))
    if data.key_arn is None:
        excuse(list(api.log_groups), ("CKV_AWS_158",), NO_CUSTOMER_KEY)
    return api, chat
