"""The compliance baseline's AWS names. Account-level services carry a fixed token name with an
account- or region-scoped rule (`modules/aws_rules.py` singletons), so two env files selecting
the baseline in one account are refused before synthesis."""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws_rules
from modules.aws_rules import NameRule
from modules.naming import Naming

#: Rules of the default EventBridge bus feeding the security-alerts topic.
ALERT_RULES = ("securityhub-findings", "guardduty-findings", "root-login", "config-noncompliant")


@dataclass(frozen=True)
class ComplianceNames(Naming):
    def name(self, part: str) -> str:
        return self.env(f"{self.prefix}-{part}")

    def kms_alias(self) -> str:
        return f"alias/{self.name('compliance')}"

    def access_log_bucket(self) -> str:
        return f"{self.prefix}-access-logs-{self.environment}-{self.account_id}"

    def trail_bucket(self) -> str:
        return f"{self.prefix}-cloudtrail-{self.environment}-{self.account_id}"

    def trail(self) -> str:
        return self.name("audit-trail")

    def trail_log_group(self) -> str:
        return f"/aws/cloudtrail/{self.trail()}"

    def trail_role(self) -> str:
        return self.name("cloudtrail-logs")

    def config_role(self) -> str:
        return self.name("config-recorder")

    def config_rule_prefix(self) -> str:
        return f"{self.prefix}-soc2"

    def analyzer(self) -> str:
        return self.name("access-analyzer")

    def topic(self) -> str:
        return self.name("security-alerts")

    def alert_rule(self, part: str) -> str:
        return self.name(f"compliance-{part}")

    def alert_rule_pattern(self) -> str:
        return f"{self.prefix}-compliance-*-{self.environment}"

    def backup_vault(self) -> str:
        return self.name("compliance-vault")

    def backup_plan(self) -> str:
        return self.name("compliance-daily")

    def backup_role(self) -> str:
        return self.name("compliance-backup")

    def all_names(self, config_rules: tuple[str, ...] = ()) -> list[tuple[NameRule, str]]:
        return [
            # One per account or region, whatever the environment is called (first, so a
            # second baseline in one account is reported by the service that allows only one).
            (aws_rules.CONFIG_RECORDER, "default"),
            (aws_rules.SECURITY_HUB, "account"),
            (aws_rules.GUARDDUTY_DETECTOR, "account"),
            (aws_rules.MACIE_ACCOUNT, "account"),
            (aws_rules.EBS_DEFAULT_ENCRYPTION, "account"),
            (aws_rules.PASSWORD_POLICY, "account"),
            (aws_rules.ACCOUNT_PUBLIC_ACCESS_BLOCK, "account"),
            (aws_rules.KMS_ALIAS, self.kms_alias()),
            (aws_rules.S3_BUCKET, self.access_log_bucket()),
            (aws_rules.S3_BUCKET, self.trail_bucket()),
            (aws_rules.CLOUDTRAIL_TRAIL, self.trail()),
            (aws_rules.LOG_GROUP, self.trail_log_group()),
            (aws_rules.IAM_ROLE, self.trail_role()),
            (aws_rules.IAM_ROLE, self.config_role()),
            (aws_rules.IAM_ROLE, self.backup_role()),
            (aws_rules.ACCESS_ANALYZER, self.analyzer()),
            (aws_rules.SNS_TOPIC, self.topic()),
            *((aws_rules.EVENT_RULE, self.alert_rule(part)) for part in ALERT_RULES),
            (aws_rules.BACKUP_NAME, self.backup_vault()),
            (aws_rules.BACKUP_NAME, self.backup_plan()),
            *((aws_rules.CONFIG_RULE, rule) for rule in config_rules),
        ]
