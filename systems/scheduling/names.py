"""The scheduling system's AWS names.

With the dev env file these are the names already deployed (`pf-schemas-dev-618048437522`,
`pf-scheduling-actions`, `pf-supervisor-agent-role-dev`, `pf-supervisor-agent-policy`). Every
account-scoped name carries the environment (the Lambdas only when `function_env_suffix` is on),
so staging and prod can share an account with dev.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws_rules
from modules.aws_rules import NameRule
from modules.naming import Naming


@dataclass(frozen=True)
class SchedulingNames(Naming):
    function_env_suffix: bool = True

    def schema_bucket(self) -> str:
        return f"{self.prefix}-schemas-{self.environment}-{self.account_id}"

    def function(self, action_group: str) -> str:
        name = f"{self.prefix}-{action_group}-actions"
        return self.env(name) if self.function_env_suffix else name

    def function_role(self, action_group: str) -> str:
        return self.env(f"{self.prefix}-{action_group}-actions-role")

    def function_policy(self, action_group: str) -> str:
        return f"{self.prefix}-{action_group}-actions-policy"

    def function_log_group(self, action_group: str) -> str:
        return f"/aws/lambda/{self.function(action_group)}"

    def agent(self, agent: str) -> str:
        return self.env(f"{self.prefix}-{agent}-agent")

    def agent_role(self, agent: str) -> str:
        return self.env(f"{self.prefix}-{agent}-agent-role")

    def agent_policy(self, agent: str) -> str:
        return f"{self.prefix}-{agent}-agent-policy"

    def api_secret(self, api: str) -> str:
        return f"{self.prefix}/{self.environment}/{api}/api-credentials"

    def guardrail(self) -> str:
        return self.env(f"{self.prefix}-guardrail")

    def kms_alias(self) -> str:
        return f"alias/{self.env(self.prefix + '-agents')}"

    # -- phase 2 ------------------------------------------------------------------------------
    def table(self, part: str) -> str:
        return self.env(f"{self.prefix}-{part}")

    def secret(self, *parts: str) -> str:
        return "/".join((self.prefix, self.environment, *parts))

    def parameter_path(self) -> str:
        return f"/{self.prefix}/{self.environment}/scheduling/"

    def service_function(self, name: str) -> str:
        """Phase-2 Lambdas (chat API, maintenance): always suffixed."""
        return self.env(f"{self.prefix}-{name}")

    def service_role(self, name: str) -> str:
        return self.env(f"{self.prefix}-{name}-role")

    def service_policy(self, name: str) -> str:
        return f"{self.prefix}-{name}-policy"

    def api(self) -> str:
        return self.env(f"{self.prefix}-scheduling-api")

    def api_log_group(self) -> str:
        return f"/aws/apigateway/{self.api()}"

    def topic(self, kind: str) -> str:
        return self.env(f"{self.prefix}-{kind}")

    def rule(self, name: str) -> str:
        return self.env(f"{self.prefix}-{name}")

    def dashboard(self, name: str) -> str:
        return self.env(f"{self.prefix}-{name}")

    def alarm(self, name: str) -> str:
        return self.env(f"{self.prefix}-{name}")

    def sampling_rule(self) -> str:
        return self.env(f"{self.prefix}-scheduling")[:32]

    def names_for(self, agents: tuple[str, ...], action_groups: tuple[str, ...], *,
                  kms_key: bool, guardrail: bool, secret: bool) -> list[tuple[NameRule, str]]:
        """Every name a stack with these agents and action groups creates, with its rule."""
        names: list[tuple[NameRule, str]] = [(aws_rules.S3_BUCKET, self.schema_bucket())]
        if guardrail:
            names.append((aws_rules.BEDROCK_GUARDRAIL, self.guardrail()))
        if kms_key:
            names.append((aws_rules.KMS_ALIAS, self.kms_alias()))
        if secret:
            names.append((aws_rules.SECRET, self.api_secret("pf360")))
        for group in action_groups:
            names += [
                (aws_rules.LAMBDA_FUNCTION, self.function(group)),
                (aws_rules.IAM_ROLE, self.function_role(group)),
                (aws_rules.IAM_POLICY, self.function_policy(group)),
                (aws_rules.LOG_GROUP, self.function_log_group(group)),
            ]
        for agent in agents:
            names += [
                (aws_rules.BEDROCK_AGENT, self.agent(agent)),
                (aws_rules.IAM_ROLE, self.agent_role(agent)),
                (aws_rules.IAM_POLICY, self.agent_policy(agent)),
            ]
        return names
