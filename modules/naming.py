"""The one naming function of the project: every AWS name is built here.

With `envs/dev.toml` these reproduce seed 000's deployed names exactly
(`pf-schemas-dev-618048437522`, `pf-scheduling-actions`, `pf-supervisor-agent-role-dev`,
`pf-supervisor-agent-policy`). Every name that is global to an account carries the
environment (the dev Lambdas only when `naming.function_env_suffix` is on), so staging and
prod can share an account with dev.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws_rules
from modules.aws_rules import NameRule


@dataclass(frozen=True)
class Naming:
    prefix: str
    environment: str
    account_id: str
    function_env_suffix: bool = True

    def _env(self, name: str) -> str:
        return f"{name}-{self.environment}"

    def schema_bucket(self) -> str:
        return f"{self.prefix}-schemas-{self.environment}-{self.account_id}"

    def function(self, action_group: str) -> str:
        name = f"{self.prefix}-{action_group}-actions"
        return self._env(name) if self.function_env_suffix else name

    def function_role(self, action_group: str) -> str:
        return self._env(f"{self.prefix}-{action_group}-actions-role")

    def function_policy(self, action_group: str) -> str:
        return f"{self.prefix}-{action_group}-actions-policy"

    def function_log_group(self, action_group: str) -> str:
        return f"/aws/lambda/{self.function(action_group)}"

    def agent(self, agent: str) -> str:
        return self._env(f"{self.prefix}-{agent}-agent")

    def agent_role(self, agent: str) -> str:
        return self._env(f"{self.prefix}-{agent}-agent-role")

    def agent_policy(self, agent: str) -> str:
        return f"{self.prefix}-{agent}-agent-policy"

    def api_secret(self, api: str) -> str:
        return f"{self.prefix}/{self.environment}/{api}/api-credentials"

    def guardrail(self) -> str:
        return self._env(f"{self.prefix}-guardrail")

    def kms_alias(self) -> str:
        return f"alias/{self._env(self.prefix + '-agents')}"

    def all_names(
        self, agents: tuple[str, ...], action_groups: tuple[str, ...]
    ) -> list[tuple[NameRule, str]]:
        """Every name a stack with these agents and action groups will create, with its rule."""
        names: list[tuple[NameRule, str]] = [
            (aws_rules.S3_BUCKET, self.schema_bucket()),
            (aws_rules.BEDROCK_GUARDRAIL, self.guardrail()),
            (aws_rules.KMS_ALIAS, self.kms_alias()),
        ]
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

    def first_violation(
        self, agents: tuple[str, ...], action_groups: tuple[str, ...]
    ) -> str | None:
        for rule, name in self.all_names(agents, action_groups):
            problem = rule.violation(name)
            if problem:
                return f"gives {rule.service} name {name!r}, which {problem}"
        return None
