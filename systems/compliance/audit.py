"""The audit layer: the account's customer key, the access-log bucket, the CloudTrail trail
(locked bucket + log group) and AWS Config with the control table's managed rules."""

from __future__ import annotations

from dataclasses import dataclass

from modules.access_log_bucket import AccessLogBucket, AccessLogBucketProps
from modules.cloudtrail import CloudTrail, CloudTrailProps
from modules.config_recorder import ConfigRecorder, ConfigRecorderProps
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.policy import Statement
from modules.stacks.system_stack import SystemStack
from systems.compliance.controls import managed_rules
from systems.compliance.names import ComplianceNames
from systems.compliance.settings import ComplianceSettings

EVENTS = "events.amazonaws.com"


@dataclass(frozen=True)
class Audit:
    key: EncryptionKey
    access_logs: AccessLogBucket
    trail: CloudTrail
    recorder: ConfigRecorder


def build_audit(stack: SystemStack, settings: ComplianceSettings, names: ComplianceNames) -> Audit:
    env = stack.env
    key = EncryptionKey(stack, "compliance_key", EncryptionKeyProps(
        alias=names.kms_alias(), description=f"SOC2 audit records and alerts ({env.environment})",
        account_id=env.account_id, region=env.region, allow_cloudwatch_logs=True,
        prevent_destroy=settings.deletion_protection,
        extra_statements=(
            *CloudTrail.key_policy_statements(env.account_id, env.region, names.trail()),
            # EventBridge publishes findings to the encrypted alerts topic.
            Statement(sid="EventBridgeEncryptsAlerts",
                      actions=("kms:GenerateDataKey*", "kms:Decrypt"), resources=("*",),
                      principals=(("Service", (EVENTS,)),),
                      conditions=(("StringEquals", "aws:SourceAccount", (env.account_id,)),)),
        )))
    access_logs = AccessLogBucket(stack, "access_logs", AccessLogBucketProps(
        bucket_name=names.access_log_bucket(), account_id=env.account_id,
        retention_days=settings.trail.retention_days,
        prevent_destroy=settings.deletion_protection))
    trail = CloudTrail(stack, "trail", CloudTrailProps(
        trail_name=names.trail(), bucket_name=names.trail_bucket(),
        log_group_name=names.trail_log_group(), role_name=names.trail_role(),
        kms_key_arn=key.key_arn, account_id=env.account_id, region=env.region,
        access_log_bucket=access_logs.bucket_name,
        retention_days=settings.trail.retention_days, lock_mode=settings.trail.lock_mode,
        glacier_days=settings.trail.glacier_days, insights=settings.trail.insights,
        prevent_destroy=settings.deletion_protection))
    recorder = ConfigRecorder(stack, "config", ConfigRecorderProps(
        role_name=names.config_role(), bucket_name=trail.bucket.bucket_name,
        kms_key_arn=key.key_arn, account_id=env.account_id, region=env.region,
        rules=managed_rules(settings, prefix=names.config_rule_prefix()),
        snapshot_frequency=settings.recorder.snapshot_frequency))
    return Audit(key, access_logs, trail, recorder)
