"""An account's audit trail: a multi-region CloudTrail trail with log-file validation and
Insights, delivering to its own bucket (KMS, versioned, access-logged, Object Lock so no record
can be deleted before its retention ends) and to a CloudWatch log group for alerting.

The customer key must let CloudTrail encrypt for this trail: give the key
`CloudTrail.key_policy_statements(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document, service_trust
from modules.secure_bucket import LifecycleRule, ObjectLock, SecureBucket, SecureBucketProps
from modules.suppressions import suppress

CLOUDTRAIL = "cloudtrail.amazonaws.com"
INSIGHTS = ("ApiCallRateInsight", "ApiErrorRateInsight")


@dataclass(frozen=True)
class CloudTrailProps:
    trail_name: str
    bucket_name: str
    log_group_name: str
    role_name: str
    kms_key_arn: str
    account_id: str
    region: str
    #: Server access logs of the trail bucket go here (see `modules/access_log_bucket.py`).
    access_log_bucket: str
    #: Days each log file is locked and kept (and the log group's retention).
    retention_days: int = 2557
    #: COMPLIANCE: nobody, root included, can delete a record early; GOVERNANCE: privileged
    #: users can (test accounts that must be cleaned up).
    lock_mode: str = "COMPLIANCE"
    #: Days after which log files move to Glacier Flexible Retrieval.
    glacier_days: int = 90
    insights: tuple[str, ...] = INSIGHTS
    prevent_destroy: bool = True

    def __post_init__(self) -> None:
        if not set(self.insights) <= set(INSIGHTS):
            raise ValueError(f"trail {self.trail_name}: insights are among {', '.join(INSIGHTS)}")
        if not 1 <= self.glacier_days < self.retention_days:
            raise ValueError(f"trail {self.trail_name}: glacier_days must be below retention_days")

    @property
    def trail_arn(self) -> str:
        return f"arn:aws:cloudtrail:{self.region}:{self.account_id}:trail/{self.trail_name}"


class CloudTrail(Construct):
    """Exposes `trail` (L1), `trail_arn`, `bucket` (SecureBucket) and `log_group` (L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: CloudTrailProps) -> None:
        super().__init__(scope, construct_id)
        bucket_arn = f"arn:aws:s3:::{props.bucket_name}"
        this_trail = (("StringEquals", "aws:SourceArn", (props.trail_arn,)),)
        self.bucket = SecureBucket(self, "bucket", SecureBucketProps(
            bucket_name=props.bucket_name, kms_key_arn=props.kms_key_arn,
            prevent_destroy=props.prevent_destroy,
            object_lock=ObjectLock(props.lock_mode, props.retention_days),
            noncurrent_version_expiration_days=props.retention_days,
            access_log_bucket=props.access_log_bucket,
            lifecycle_rules=(LifecycleRule("archive-trail-logs",
                                           transitions=((props.glacier_days, "GLACIER"),),
                                           expiration_days=props.retention_days),),
            extra_policy_statements=(
                Statement(sid="CloudTrailAclCheck", actions=("s3:GetBucketAcl",),
                          resources=(bucket_arn,), principals=(("Service", (CLOUDTRAIL,)),),
                          conditions=this_trail),
                Statement(sid="CloudTrailWrite", actions=("s3:PutObject",),
                          resources=(f"{bucket_arn}/AWSLogs/{props.account_id}/*",),
                          principals=(("Service", (CLOUDTRAIL,)),),
                          conditions=(*this_trail, ("StringEquals", "s3:x-amz-acl",
                                                    ("bucket-owner-full-control",)))),
            )))
        for check, reason in (
            ("CKV_AWS_144", "The trail is multi-region and the records are Object-Locked for the "
                            "retention; a replica would need a second locked bucket per account, "
                            "left to the organization's log-archive account."),
            ("CKV2_AWS_62", "Nothing reacts to new log files; alerts come from the CloudWatch log "
                            "group and EventBridge rules."),
        ):
            suppress(self.bucket.bucket, check, reason)

        self.log_group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            self, "log_group", name=props.log_group_name, retention_in_days=props.retention_days,
            kms_key_id=props.kms_key_arn)
        trust = policy_document(self, "trust", [service_trust(
            CLOUDTRAIL, account_id=props.account_id, source_arn_pattern=props.trail_arn)])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"CloudTrail delivers {props.trail_name} to CloudWatch Logs")
        delivery = policy_document(self, "delivery", [Statement(
            sid="DeliverToLogGroup", actions=("logs:CreateLogStream", "logs:PutLogEvents"),
            resources=(f"{self.log_group.arn}:log-stream:*",))])
        provider_module("iam_role_policy").IamRolePolicy(
            self, "delivery_policy", name=f"{props.trail_name}-delivery", role=role.id,
            policy=delivery.json)

        cloudtrail = provider_module("cloudtrail")
        self.trail = cloudtrail.Cloudtrail(
            self, "trail", name=props.trail_name, s3_bucket_name=self.bucket.bucket_name,
            is_multi_region_trail=True, include_global_service_events=True,
            enable_log_file_validation=True, enable_logging=True, kms_key_id=props.kms_key_arn,
            cloud_watch_logs_group_arn=f"{self.log_group.arn}:*",
            cloud_watch_logs_role_arn=role.arn,
            insight_selector=[cloudtrail.CloudtrailInsightSelector(insight_type=kind)
                              for kind in props.insights] or None,
            # S3 checks the bucket policy when the trail is created.
            depends_on=[self.bucket.policy])
        suppress(self.trail, "CKV_AWS_252", "Per-file delivery notifications are not consumed: "
                 "security alerts come from EventBridge rules and the CloudWatch log group.")
        self.trail_arn: str = self.trail.arn

    @staticmethod
    def key_policy_statements(account_id: str, region: str, trail_name: str) -> tuple[Statement, ...]:
        """For `EncryptionKeyProps.extra_statements`: CloudTrail encrypts log files of this
        trail only; reading them goes through IAM (account-root delegation)."""
        trail_arn = f"arn:aws:cloudtrail:{region}:{account_id}:trail/{trail_name}"
        return (
            Statement(sid="CloudTrailEncryptsTrailLogs", actions=("kms:GenerateDataKey*",),
                      resources=("*",), principals=(("Service", (CLOUDTRAIL,)),),
                      conditions=(("StringEquals", "aws:SourceArn", (trail_arn,)),
                                  ("StringLike", "kms:EncryptionContext:aws:cloudtrail:arn",
                                   (f"arn:aws:cloudtrail:*:{account_id}:trail/*",)))),
            Statement(sid="CloudTrailDescribesKey", actions=("kms:DescribeKey",),
                      resources=("*",), principals=(("Service", (CLOUDTRAIL,)),),
                      conditions=(("StringEquals", "aws:SourceArn", (trail_arn,)),)),
        )
