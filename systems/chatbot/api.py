"""API layer: the REST API `<prefix>-chatbot-api-<env>` behind the JWT authorizer, with CORS,
each route served by the function of its concern."""

from __future__ import annotations

from modules.action_function import ActionFunction
from modules.rest_api import RestApi, RestApiProps
from modules.rest_api_authorizer import Authorizer
from modules.rest_api_routes import Backend, Route
from modules.stacks.system_stack import SystemStack
from systems.chatbot.data import Data
from systems.chatbot.names import ChatbotNames
from systems.chatbot.settings import ChatbotSettings

#: A bearer JWT: three base64url parts (the signature may not be empty; alg=none is refused
#: here already and again by the authorizer).
BEARER_JWT = r"^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
NO_API_KEY = ("Browser clients authenticate with a signed JWT that the Lambda authorizer "
              "verifies; an API key shipped to every browser would be no secret.")
SESSION_ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
CHAT_REQUEST = {
    "$schema": "http://json-schema.org/draft-04/schema#", "title": "ChatRequest",
    "type": "object", "required": ["sessionId", "message"], "additionalProperties": False,
    "properties": {"sessionId": SESSION_ID,
                   "message": {"type": "string", "minLength": 1, "maxLength": 4000}},
}
NEW_SESSION = {
    "$schema": "http://json-schema.org/draft-04/schema#", "title": "NewSession",
    "type": "object", "additionalProperties": False,
    "properties": {"title": {"type": "string", "maxLength": 200}},
}


def _route(path: str, method: str, backend: str = "", model: dict | None = None) -> Route:
    return Route(path, method, api_key_required=False, open_reason=NO_API_KEY, backend=backend,
                 request_model=model)


ROUTES = (
    _route("/sessions", "POST", model=NEW_SESSION),
    _route("/sessions/{session_id}", "GET"),
    _route("/sessions/{session_id}", "DELETE"),
    _route("/chat", "POST", backend="chat", model=CHAT_REQUEST),
    _route("/salesforce/{object_type}/{record_id}", "GET", backend="salesforce"),
    Route("/health", "GET", api_key_required=False, authorize=False,
          open_reason="Liveness probe for uptime checks; answers a constant and reads no data."),
)
NO_WAF = ("No web ACL yet: every route except /health needs a JWT the authorizer verifies, the "
          "stage is throttled (api.requests_per_second, api.burst) and each function's reserved "
          "concurrency caps cost; associate one with the stage ARN once anonymous traffic "
          "reaches the API.")


def build_api(stack: SystemStack, settings: ChatbotSettings, names: ChatbotNames, data: Data,
              functions: dict[str, ActionFunction]) -> RestApi:
    env, api = stack.env, settings.api
    authorizer = functions["authorizer"]
    sessions = functions["sessions"]
    return RestApi(stack, "api", RestApiProps(
        api_name=names.api(), stage_name=env.environment, function_arn=sessions.function_arn,
        function_name=sessions.function_name, routes=ROUTES,
        backends=tuple(Backend(key, functions[key].function_arn, functions[key].function_name)
                       for key in ("chat", "salesforce")),
        authorizer=Authorizer.lambda_token(
            "jwt", authorizer.function_arn, authorizer.function_name,
            result_ttl_seconds=settings.auth.authorizer_cache_seconds,
            identity_validation_expression=BEARER_JWT),
        api_key_usage_plan=False,
        access_log_group_name=names.api_log_group(), account_id=env.account_id,
        region=env.region, kms_key_arn=data.key_arn, cors_allow_origins=api.cors_allow_origins,
        throttle_rate_per_second=api.requests_per_second, throttle_burst=api.burst,
        access_log_retention_days=settings.functions.log_retention_days,
        manage_account_logging_role=api.manage_account_logging_role,
        account_logging_role_name=names.api_logging_role()
        if api.manage_account_logging_role else "",
        no_waf_reason=NO_WAF,
        description=f"Chatbot platform: sessions, chat, Salesforce lookups ({env.environment})"))
