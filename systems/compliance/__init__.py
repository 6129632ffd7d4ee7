"""The SOC2 compliance baseline of one AWS account: a multi-region CloudTrail trail into a
locked, access-logged bucket; AWS Config with the control table's managed rules; Security Hub
(CIS AWS Foundations Benchmark), GuardDuty, IAM Access Analyzer and Macie; the account's
password policy, S3 Block Public Access and EBS encryption by default; security alerts; and an
AWS Backup plan resources opt into by tag.

Any system's account can adopt it: select `[systems.compliance]` in exactly one env file per
account (the account-level services are singletons, refused twice before synthesis).
Layers in dependency order: audit -> detection -> response.
"""

from __future__ import annotations

from cdktf import TerraformOutput

from modules.aws_rules import NameRule
from modules.config import EnvironmentBase
from modules.stacks.system_stack import SystemStack
from modules.system import System
from systems.compliance.audit import build_audit
from systems.compliance.controls import managed_rules
from systems.compliance.detection import build_detection
from systems.compliance.names import ComplianceNames
from systems.compliance.response import build_response
from systems.compliance.settings import ComplianceSettings

KEY = "compliance"


def names_of(env: EnvironmentBase) -> ComplianceNames:
    return ComplianceNames(prefix=env.prefix, environment=env.environment,
                           account_id=env.account_id)


def build(stack: SystemStack, settings: ComplianceSettings) -> None:
    names = names_of(stack.env)
    audit = build_audit(stack, settings, names)
    services, _ = build_detection(stack, settings, names)
    topic, _, plan = build_response(stack, settings, names, audit)
    outputs = {
        "trail_arn": audit.trail.trail_arn, "trail_bucket": audit.trail.bucket.bucket_name,
        "access_log_bucket": audit.access_logs.bucket_name, "kms_key_arn": audit.key.key_arn,
        "security_alerts_topic_arn": topic.topic_arn, "guardduty_detector_id": services.detector.id,
        "backup_vault_name": plan.vault.name,
    }
    for key, value in outputs.items():
        TerraformOutput(stack, key, value=value)


def all_names(env: EnvironmentBase, settings: ComplianceSettings) -> list[tuple[NameRule, str]]:
    names = names_of(env)
    rules = managed_rules(settings, prefix=names.config_rule_prefix())
    return names.all_names(tuple(rule.name for rule in rules))


SYSTEM = System(key=KEY, title="SOC2 compliance baseline of an account (CloudTrail, Config, "
                "Security Hub, GuardDuty, Macie)", settings=ComplianceSettings, build=build,
                names=all_names, project_tag="compliance")
