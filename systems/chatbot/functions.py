"""Function layer: the four Lambdas, each with its own role granting exactly what its handler
touches (tables, secrets, the key through those services)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modules.action_function import ActionFunction, ActionFunctionProps
from modules.lambda_package import build_function_package, source_root
from modules.policy import Statement
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.chatbot.data import Data
from systems.chatbot.names import ChatbotNames
from systems.chatbot.settings import ChatbotSettings

LAMBDA_ROOT = source_root("chatbot")
NO_VPC = ("The function reaches only public AWS endpoints (DynamoDB, Secrets Manager) and the "
          "public Salesforce / OpenAI-compatible APIs over HTTPS; a VPC would add NAT cost and "
          "cold-start latency, and protect nothing it reaches.")


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda: its folder under lambda/chatbot/ is its key."""

    key: str
    description: str


FUNCTIONS = (
    FunctionSpec("authorizer", "API authorizer: verifies HS256 JWT bearer tokens"),
    FunctionSpec("chat", "POST /chat: asks the chat completion API, writes the chat history"),
    FunctionSpec("sessions", "Sessions: create, read and expire; health"),
    FunctionSpec("salesforce", "Salesforce record lookups through the cache table"),
)
FUNCTION_KEYS = tuple(f.key for f in FUNCTIONS)


def _grants(data: Data) -> dict[str, tuple[Statement, ...]]:
    sessions, history, cache = (data.tables[t] for t in ("sessions", "chat-history", "cache"))
    secrets = data.secrets
    return {
        "authorizer": secrets["jwt-secret"].read_statements(),
        "chat": (*sessions.read_statements(), *sessions.write_statements(),
                 *history.read_statements(), *history.write_statements(),
                 *secrets["openai-credentials"].read_statements()),
        "sessions": (*sessions.read_statements(), *sessions.write_statements()),
        "salesforce": (*cache.read_statements(), *cache.write_statements(),
                       *secrets["salesforce-credentials"].read_statements()),
    }


def _environments(stack: SystemStack, settings: ChatbotSettings,
                  data: Data) -> dict[str, dict[str, str]]:
    """Secret ARNs only, never values: the handlers read and cache them at run time."""
    tables, secrets, retention = data.tables, data.secrets, settings.retention
    cors = {"CORS_ALLOW_ORIGINS": ",".join(settings.api.cors_allow_origins)} \
        if settings.api.cors_allow_origins else {}
    sessions = {"SESSIONS_TABLE": tables["sessions"].table_name,
                "SESSION_TTL_HOURS": str(retention.session_ttl_hours)}
    return {
        "authorizer": {"JWT_SECRET_ARN": secrets["jwt-secret"].secret_arn,
                       "JWT_ISSUER": settings.auth.issuer, "JWT_AUDIENCE": settings.auth.audience},
        "chat": {**sessions, **cors, "HISTORY_TABLE": tables["chat-history"].table_name,
                 "HISTORY_TTL_DAYS": str(retention.history_ttl_days),
                 "HISTORY_MESSAGES": str(settings.openai.history_messages),
                 "OPENAI_SECRET_ARN": secrets["openai-credentials"].secret_arn,
                 "OPENAI_BASE_URL": settings.openai.api_base_url,
                 "OPENAI_MODEL": settings.openai.model,
                 "OPENAI_MAX_TOKENS": str(settings.openai.max_tokens)},
        "sessions": {**sessions, **cors},
        "salesforce": {**cors, "CACHE_TABLE": tables["cache"].table_name,
                       "CACHE_TTL_SECONDS": str(retention.cache_ttl_seconds),
                       "SALESFORCE_SECRET_ARN": secrets["salesforce-credentials"].secret_arn,
                       "SALESFORCE_INSTANCE_URL": settings.salesforce.instance_url,
                       "SALESFORCE_API_VERSION": settings.salesforce.api_version},
    }


def build_functions(stack: SystemStack, settings: ChatbotSettings, names: ChatbotNames,
                    data: Data, lambda_root: Path = LAMBDA_ROOT) -> dict[str, ActionFunction]:
    env, sizing = stack.env, settings.functions
    grants, environments = _grants(data), _environments(stack, settings, data)
    functions = {}
    for spec in FUNCTIONS:
        name = names.function(spec.key)
        function = ActionFunction(stack, f"function_{spec.key}", ActionFunctionProps(
            function_name=name, role_name=names.function_role(spec.key),
            policy_name=names.function_policy(spec.key),
            log_group_name=names.function_log_group(spec.key),
            package=build_function_package(spec.key, lambda_root, action_group=False),
            account_id=env.account_id, region=env.region, memory_mb=sizing.memory_mb,
            timeout_seconds=sizing.timeout_seconds,
            reserved_concurrency=sizing.reserved_concurrency,
            log_retention_days=sizing.log_retention_days, kms_key_arn=data.key_arn,
            environment={"LOG_LEVEL": sizing.log_level, "ENVIRONMENT": env.environment,
                         **environments[spec.key]},
            extra_statements=grants[spec.key], description=spec.description))
        suppress(function.function, "CKV_AWS_117", NO_VPC)
        functions[spec.key] = function
    return functions
