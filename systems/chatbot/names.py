"""The chatbot system's AWS names: `<prefix>-chatbot-<part>-<env>` (secrets under
`<prefix>/<env>/chatbot/`), so every environment can share one account."""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws_rules
from modules.aws_rules import NameRule
from modules.naming import Naming


@dataclass(frozen=True)
class ChatbotNames(Naming):
    def _name(self, part: str) -> str:
        return self.env(f"{self.prefix}-chatbot-{part}")

    def kms_alias(self) -> str:
        return f"alias/{self._name('data')}"

    def table(self, part: str) -> str:
        return self._name(part)

    def secret(self, part: str) -> str:
        return f"{self.prefix}/{self.environment}/chatbot/{part}"

    def function(self, key: str) -> str:
        return self._name(key)

    def function_role(self, key: str) -> str:
        return self._name(f"{key}-role")

    def function_policy(self, key: str) -> str:
        return f"{self.prefix}-chatbot-{key}-policy"

    def function_log_group(self, key: str) -> str:
        return f"/aws/lambda/{self.function(key)}"

    def api(self) -> str:
        return self._name("api")

    def api_log_group(self) -> str:
        return f"/aws/apigateway/{self.api()}"

    def api_logging_role(self) -> str:
        return self._name("apigateway-logs")

    def topic(self) -> str:
        return self._name("alerts")

    def alarm(self, part: str) -> str:
        return self._name(part)

    def dashboard(self) -> str:
        return self.env(f"{self.prefix}-chatbot")

    def backup(self, part: str) -> str:
        return self._name(f"backup-{part}")

    def names_for(self, tables: tuple[str, ...], secrets: tuple[str, ...],
                  functions: tuple[str, ...], *, logging_role: bool,
                  backup: bool) -> list[tuple[NameRule, str]]:
        """Every name the stack creates, with its rule."""
        names: list[tuple[NameRule, str]] = [
            (aws_rules.KMS_ALIAS, self.kms_alias()),
            (aws_rules.LOG_GROUP, self.api_log_group()),
            (aws_rules.REST_API, self.api()),
            (aws_rules.SNS_TOPIC, self.topic()),
            (aws_rules.CLOUDWATCH_DASHBOARD, self.dashboard()),
            *((aws_rules.CLOUDWATCH_ALARM, self.alarm(a)) for a in ("api-errors", "lambda-errors")),
            *((aws_rules.DYNAMODB_TABLE, self.table(t)) for t in tables),
            *((aws_rules.SECRET, self.secret(s)) for s in secrets),
        ]
        for key in functions:
            names += [(aws_rules.LAMBDA_FUNCTION, self.function(key)),
                      (aws_rules.IAM_ROLE, self.function_role(key)),
                      (aws_rules.IAM_POLICY, self.function_policy(key)),
                      (aws_rules.LOG_GROUP, self.function_log_group(key))]
        if logging_role:
            names.append((aws_rules.IAM_ROLE, self.api_logging_role()))
        if backup:
            names += [(aws_rules.BACKUP_NAME, self.backup("vault")),
                      (aws_rules.BACKUP_NAME, self.backup("plan")),
                      (aws_rules.IAM_ROLE, self.backup("role"))]
        return names
