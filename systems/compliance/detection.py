"""The detection layer: Security Hub with its standards, GuardDuty, IAM Access Analyzer, Macie,
and the account-wide settings (password policy, S3 Block Public Access, EBS encryption)."""

from __future__ import annotations

from modules.account_baseline import AccountBaseline, AccountBaselineProps, PasswordPolicy
from modules.security_services import SecurityServices, SecurityServicesProps
from modules.stacks.system_stack import SystemStack
from systems.compliance.names import ComplianceNames
from systems.compliance.settings import ComplianceSettings


def build_detection(stack: SystemStack, settings: ComplianceSettings,
                    names: ComplianceNames) -> tuple[SecurityServices, AccountBaseline]:
    detection = settings.detection
    services = SecurityServices(stack, "security", SecurityServicesProps(
        region=stack.env.region, analyzer_name=names.analyzer(), standards=detection.standards,
        guardduty_features=detection.guardduty_features,
        finding_frequency=detection.finding_frequency, macie=detection.macie))
    password = settings.password
    baseline = AccountBaseline(stack, "account", AccountBaselineProps(password=PasswordPolicy(
        minimum_length=password.minimum_length, max_age_days=password.max_age_days,
        reuse_prevention=password.reuse_prevention)))
    return services, baseline
