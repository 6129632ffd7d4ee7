"""The chatbot platform backend: a REST API behind a JWT authorizer, Lambdas for chat (an
OpenAI-compatible chat completion API), sessions and Salesforce lookups, three DynamoDB tables,
three secrets, a customer key, one alert topic, two alarms and a dashboard.

Layers in dependency order: data -> functions -> api -> observability.
"""

from __future__ import annotations

from cdktf import TerraformOutput

from modules.aws_rules import NameRule
from modules.config import EnvironmentBase
from modules.stacks.system_stack import SystemStack
from modules.system import System
from systems.chatbot.api import build_api
from systems.chatbot.data import SECRETS, build_data, load_tables
from systems.chatbot.functions import FUNCTION_KEYS, build_functions
from systems.chatbot.names import ChatbotNames
from systems.chatbot.observability import build_observability
from systems.chatbot.settings import ChatbotSettings

KEY = "chatbot"


def names_of(env: EnvironmentBase) -> ChatbotNames:
    return ChatbotNames(prefix=env.prefix, environment=env.environment, account_id=env.account_id)


def build(stack: SystemStack, settings: ChatbotSettings) -> None:
    names = names_of(stack.env)
    data = build_data(stack, settings, names)
    functions = build_functions(stack, settings, names, data)
    api = build_api(stack, settings, names, data, functions)
    topic = build_observability(stack, settings, names, data, functions, api)
    TerraformOutput(stack, "api_url", value=api.invoke_url)
    TerraformOutput(stack, "alert_topic_arn", value=topic.topic_arn)
    for part, secret in data.secrets.items():
        # ARNs only: the operator puts each value after deployment.
        TerraformOutput(stack, f"{part.replace('-', '_')}_secret_arn", value=secret.secret_arn)


def all_names(env: EnvironmentBase, settings: ChatbotSettings) -> list[tuple[NameRule, str]]:
    return names_of(env).names_for(
        tuple(spec.name for spec in load_tables()), tuple(SECRETS), FUNCTION_KEYS,
        logging_role=settings.api.manage_account_logging_role, backup=settings.tables.backup)


SYSTEM = System(key=KEY, title="Chatbot platform backend (chat, sessions, Salesforce lookups)",
                settings=ChatbotSettings, build=build, names=all_names, project_tag="chatbot")
