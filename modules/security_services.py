"""The account's detective security services in one region: Security Hub with chosen standards
(CIS AWS Foundations Benchmark by default), a GuardDuty detector with its protection features,
an IAM Access Analyzer for the account, and Amazon Macie.

Each of these exists once per account and region: a system using this construct registers
their names (`SecurityServicesProps.singletons`) so two stacks cannot both enable them.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.suppressions import suppress

#: Security Hub standard ARNs by key; `{region}` is filled in (CIS 1.2.0 is a global ruleset).
STANDARDS = {
    "cis-1.2.0": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
    "cis-1.4.0": "arn:aws:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/1.4.0",
    "cis-3.0.0": "arn:aws:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/3.0.0",
    "aws-foundational": "arn:aws:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0",
}
GUARDDUTY_FEATURES = ("S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS",
                      "LAMBDA_NETWORK_LOGS", "EKS_AUDIT_LOGS", "RUNTIME_MONITORING")
FREQUENCIES = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")


@dataclass(frozen=True)
class SecurityServicesProps:
    region: str
    analyzer_name: str
    standards: tuple[str, ...] = ("cis-1.4.0",)
    guardduty_features: tuple[str, ...] = ("S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION",
                                           "LAMBDA_NETWORK_LOGS")
    #: How often GuardDuty and Macie publish updated findings to EventBridge.
    finding_frequency: str = "FIFTEEN_MINUTES"
    macie: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.standards) - set(STANDARDS)
        if unknown or not self.standards:
            raise ValueError(f"security hub standards {sorted(unknown)}: give one or more of "
                             f"{', '.join(STANDARDS)}")
        if not set(self.guardduty_features) <= set(GUARDDUTY_FEATURES):
            raise ValueError(f"guardduty features are among {', '.join(GUARDDUTY_FEATURES)}")
        if self.finding_frequency not in FREQUENCIES:
            raise ValueError(f"finding_frequency: one of {', '.join(FREQUENCIES)}")

    def standard_arns(self) -> list[str]:
        return [STANDARDS[key].format(region=self.region) for key in self.standards]


class SecurityServices(Construct):
    """Exposes `hub`, `standards` (key -> L1), `detector`, `analyzer` and `macie` (L1 or None)."""

    def __init__(self, scope: Construct, construct_id: str, props: SecurityServicesProps) -> None:
        super().__init__(scope, construct_id)
        # Standards are chosen explicitly: the default set would be enabled outside Terraform.
        self.hub = provider_module("securityhub_account").SecurityhubAccount(
            self, "hub", enable_default_standards=False, auto_enable_controls=True,
            control_finding_generator="SECURITY_CONTROL")
        subscription = provider_module("securityhub_standards_subscription")
        self.standards = {
            key: subscription.SecurityhubStandardsSubscription(
                self, f"standard_{key.replace('.', '_').replace('-', '_')}", standards_arn=arn,
                depends_on=[self.hub])
            for key, arn in zip(props.standards, props.standard_arns())}
        self.detector = provider_module("guardduty_detector").GuarddutyDetector(
            self, "detector", enable=True, finding_publishing_frequency=props.finding_frequency)
        suppress(self.detector, "CKV2_AWS_3", "This construct enables GuardDuty in its own "
                 "account and region; organization-wide auto-enable is configured from the "
                 "organization's delegated GuardDuty administrator, not from a member account.")
        feature = provider_module("guardduty_detector_feature").GuarddutyDetectorFeature
        for name in props.guardduty_features:
            feature(self, f"guardduty_{name.lower()}", detector_id=self.detector.id, name=name,
                    status="ENABLED")
        self.analyzer = provider_module("accessanalyzer_analyzer").AccessanalyzerAnalyzer(
            self, "analyzer", analyzer_name=props.analyzer_name, type="ACCOUNT")
        self.macie = provider_module("macie2_account").Macie2Account(
            self, "macie", status="ENABLED", finding_publishing_frequency=props.finding_frequency,
        ) if props.macie else None
