"""Fraud detection: a Bedrock agent with a knowledge base of fraud patterns and rules, a
Kinesis streaming pipeline scored by a Lambda, EventBridge-driven alerts, an immutable audit
trail, and the dashboard and alarms of the seed document.

Layers in dependency order: data -> agent action function -> agent and knowledge base ->
stream processing and alerts -> observability.
"""

from __future__ import annotations

from cdktf import TerraformOutput

from modules.aws_rules import NameRule
from modules.config import EnvironmentBase
from modules.lambda_package import build_function_package, source_root
from modules.stacks.system_stack import SystemStack
from modules.system import System
from systems.fraud.agent import build_agent
from systems.fraud.data import build_data
from systems.fraud.functions import build_agent_actions, build_functions
from systems.fraud.names import FraudNames
from systems.fraud.observability import build_observability
from systems.fraud.settings import FraudSettings

KEY = "fraud"
#: Function folders under lambda/fraud/ (agent_actions is the action group, with a schema).
FUNCTION_FOLDERS = ("stream_processor", "alert_handler", "agent_actions", "kb_index")


def names_of(env: EnvironmentBase) -> FraudNames:
    return FraudNames(prefix=env.prefix, environment=env.environment, account_id=env.account_id)


def build(stack: SystemStack, settings: FraudSettings) -> None:
    names = names_of(stack.env)
    root = source_root(KEY)
    packages = {name: build_function_package(name, root, action_group=name == "agent_actions")
                for name in FUNCTION_FOLDERS}
    data = build_data(stack, settings, names)
    actions = build_agent_actions(stack, settings, names, data, packages["agent_actions"])
    agent = build_agent(stack, settings, names, data, packages, actions)
    functions = build_functions(
        stack, settings, names, data, packages, agent_alias_arn=agent.alias.agent_alias_arn,
        agent_ids=(agent.agent.agent_id, agent.alias.agent_alias_id), agent_actions=actions)
    build_observability(stack, settings, names, data, functions)
    outputs = {
        "agent_id": agent.agent.agent_id, "agent_alias_id": agent.alias.agent_alias_id,
        "agent_alias_arn": agent.alias.agent_alias_arn,
        "knowledge_base_id": agent.knowledge_base.knowledge_base_id,
        "knowledge_base_data_source_id": agent.knowledge_base.data_source.data_source_id,
        "transactions_stream_arn": data.streams["transactions"].stream_arn,
        "alerts_topic_arn": data.topic.topic_arn,
        "audit_bucket": data.buckets["audit-logs"].bucket_name,
    }
    for key, value in outputs.items():
        TerraformOutput(stack, key, value=value)


def all_names(env: EnvironmentBase, settings: FraudSettings) -> list[tuple[NameRule, str]]:
    return names_of(env).all_names()


SYSTEM = System(key=KEY, title="Fraud detection (Bedrock agent + knowledge base, Kinesis pipeline)",
                settings=FraudSettings, build=build, names=all_names, project_tag="fraud-detection")
