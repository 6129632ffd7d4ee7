"""The response layer: the security-alerts topic, the EventBridge rules sending Security Hub
and GuardDuty findings, root sign-ins and Config non-compliance to it, and the account's AWS
Backup vault and daily plan (resources opt in by tag)."""

from __future__ import annotations

from modules.backup_plan import BackupPlan, BackupPlanProps
from modules.event_rule import EventRule, EventRuleProps, EventTarget
from modules.stacks.system_stack import SystemStack
from modules.topic import Subscription, Topic, TopicProps
from systems.compliance.audit import EVENTS, Audit
from systems.compliance.names import ComplianceNames
from systems.compliance.settings import ComplianceSettings


def alert_patterns(settings: ComplianceSettings) -> dict[str, tuple[str, dict]]:
    """Rule part -> (description, event pattern)."""
    alerts = settings.alerts
    return {
        "securityhub-findings": ("New Security Hub findings of the alerting severities", {
            "source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"],
            "detail": {"findings": {"Severity": {"Label": list(alerts.securityhub_severities)},
                                    "Workflow": {"Status": ["NEW"]},
                                    "RecordState": ["ACTIVE"]}}}),
        "guardduty-findings": ("GuardDuty findings from the alerting severity", {
            "source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
            "detail": {"severity": [{"numeric": [">=", alerts.guardduty_min_severity]}]}}),
        # Console sign-in events are delivered in us-east-1 (the stack's region by default).
        "root-login": ("Any console sign-in with the account's root user", {
            "source": ["aws.signin"], "detail-type": ["AWS Console Sign In via CloudTrail"],
            "detail": {"userIdentity": {"type": ["Root"]}}}),
        "config-noncompliant": ("A resource became NON_COMPLIANT with a SOC2 Config rule", {
            "source": ["aws.config"], "detail-type": ["Config Rules Compliance Change"],
            "detail": {"newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]}}}),
    }


def build_response(stack: SystemStack, settings: ComplianceSettings, names: ComplianceNames,
                   audit: Audit) -> tuple[Topic, dict[str, EventRule], BackupPlan]:
    env = stack.env
    rule_arns = EventRule.rule_arn_of(names.alert_rule_pattern(), env.account_id, env.region)
    topic = Topic(stack, "alerts", TopicProps(
        name=names.topic(), kms_key_arn=audit.key.key_arn, account_id=env.account_id,
        region=env.region, allow_cloudwatch_alarms=True, publisher_services=((EVENTS, rule_arns),),
        subscriptions=tuple(Subscription("email", endpoint=address)
                            for address in settings.alerts.email_subscriptions),
        display_name="Security alerts"))
    rules = {
        part: EventRule(stack, f"alert_{part.replace('-', '_')}", EventRuleProps(
            rule_name=names.alert_rule(part), description=description, event_pattern=pattern,
            targets=(EventTarget("alerts-topic", topic.topic_arn),),
            account_id=env.account_id, region=env.region))
        for part, (description, pattern) in alert_patterns(settings).items()}
    backup = settings.backup
    plan = BackupPlan(stack, "backup", BackupPlanProps(
        vault_name=names.backup_vault(), plan_name=names.backup_plan(),
        role_name=names.backup_role(), kms_key_arn=audit.key.key_arn, account_id=env.account_id,
        delete_after_days=backup.delete_after_days, schedule=backup.schedule,
        selection_tags=((backup.tag_key, backup.tag_value),)))
    return topic, rules, plan
