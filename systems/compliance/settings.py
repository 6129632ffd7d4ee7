"""`[systems.compliance]` of an env file: the account's SOC2 baseline.

Every field has a default, so an env file states only what differs. The defaults are the
production posture of the specification: seven-year (2557-day) retention, records locked in
COMPLIANCE mode, CIS AWS Foundations Benchmark, a 14-character 90-day password policy.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from modules.config import StrictModel, log_retention, pattern
from modules.security_services import GUARDDUTY_FEATURES, STANDARDS

Email = pattern(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$",
                "an email address such as security@example.com")


class TrailSettings(StrictModel):
    """The multi-region CloudTrail trail and its bucket."""

    #: Days log files are locked and kept, and the trail log group's retention (7 years).
    retention_days: int = 2557
    #: COMPLIANCE: nobody, root included, can delete a record before its retention ends;
    #: GOVERNANCE: privileged users can (accounts that must be cleaned up, such as dev).
    lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "COMPLIANCE"
    #: Days after which log files move to Glacier Flexible Retrieval.
    glacier_days: int = Field(default=90, ge=1, le=3650)
    insights: tuple[Literal["ApiCallRateInsight", "ApiErrorRateInsight"], ...] = (
        "ApiCallRateInsight", "ApiErrorRateInsight")

    @field_validator("retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        return log_retention(value)

    @model_validator(mode="after")
    def _archive_before_expiry(self) -> "TrailSettings":
        if self.glacier_days >= self.retention_days:
            raise ValueError("glacier_days must be below retention_days")
        return self


class RecorderSettings(StrictModel):
    """AWS Config: how often snapshots are delivered and which managed rules are left out."""

    snapshot_frequency: Literal["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours",
                                "TwentyFour_Hours"] = "TwentyFour_Hours"
    #: Rule names of the control table (systems/compliance/controls.toml) not deployed.
    disabled_rules: tuple[pattern(r"^[a-z0-9-]+$", "a rule name of the control table"), ...] = ()


class DetectionSettings(StrictModel):
    """Security Hub, GuardDuty, IAM Access Analyzer and Macie."""

    standards: Annotated[tuple[Literal[tuple(STANDARDS)], ...], Field(min_length=1)] = (  # type: ignore[valid-type]
        "cis-1.4.0",)
    guardduty_features: tuple[Literal[GUARDDUTY_FEATURES], ...] = (  # type: ignore[valid-type]
        "S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION", "LAMBDA_NETWORK_LOGS")
    finding_frequency: Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] = "FIFTEEN_MINUTES"
    macie: bool = True


class PasswordSettings(StrictModel):
    """The account's IAM password policy (upper, lower, digit and symbol always required)."""

    minimum_length: int = Field(default=14, ge=14, le=128)
    max_age_days: int = Field(default=90, ge=1, le=90)
    reuse_prevention: int = Field(default=24, ge=1, le=24)


class AlertSettings(StrictModel):
    """The security-alerts topic and the EventBridge rules feeding it."""

    email_subscriptions: tuple[Email, ...] = ()
    #: GuardDuty findings from this severity (1-8.9; 4 = medium) are sent.
    guardduty_min_severity: float = Field(default=4, ge=1, le=8.9)
    #: Security Hub finding severities that are sent.
    securityhub_severities: Annotated[tuple[Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"], ...],
                                      Field(min_length=1)] = ("HIGH", "CRITICAL")


class BackupSettings(StrictModel):
    """The account's AWS Backup vault and daily plan: every resource tagged
    `<tag_key> = <tag_value>` is backed up."""

    delete_after_days: int = Field(default=35, ge=1, le=36500)
    schedule: pattern(r"^cron\(.+\)$", "a cron() expression such as 'cron(0 5 * * ? *)'") = \
        "cron(0 5 * * ? *)"
    tag_key: pattern(r"^[\w.:/=+@-]+$", "a tag key (letters, digits, _.:/=+@-)") = "Backup"
    tag_value: pattern(r"^[\w.:/=+@ -]*$", "a tag value (letters, digits, spaces, _.:/=+@-)") = "true"


class ComplianceSettings(StrictModel):
    trail: TrailSettings = TrailSettings()
    recorder: RecorderSettings = RecorderSettings()
    detection: DetectionSettings = DetectionSettings()
    password: PasswordSettings = PasswordSettings()
    alerts: AlertSettings = AlertSettings()
    backup: BackupSettings = BackupSettings()
    #: Keys and buckets refuse `terraform destroy` (off only for accounts that are torn down).
    deletion_protection: bool = True
