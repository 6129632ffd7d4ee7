"""The bucket S3 server access logs of other buckets are delivered to (`SecureBucketProps.
access_log_bucket`): a `SecureBucket` that the S3 logging service of this account may write to.

S3 server access logging supports only SSE-S3 on the target bucket (SSE-KMS is refused), so
this bucket alone encrypts with AES256; it is versioned, TLS-only, private, and its logs expire
after the retention.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.policy import Statement
from modules.secure_bucket import LifecycleRule, SecureBucket, SecureBucketProps
from modules.suppressions import suppress

LOGGING_SERVICE = "logging.s3.amazonaws.com"


@dataclass(frozen=True)
class AccessLogBucketProps:
    bucket_name: str
    account_id: str
    #: Days access logs are kept (SOC2 evidence: the project keeps them as long as its logs).
    retention_days: int = 2557
    prevent_destroy: bool = False
    force_destroy: bool = False


class AccessLogBucket(Construct):
    """Exposes `bucket` (the SecureBucket), `bucket_name` and `arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: AccessLogBucketProps) -> None:
        super().__init__(scope, construct_id)
        arn = f"arn:aws:s3:::{props.bucket_name}"
        delivery = Statement(
            sid="S3ServerAccessLogsDelivery", actions=("s3:PutObject",), resources=(f"{arn}/*",),
            principals=(("Service", (LOGGING_SERVICE,)),),
            # Only logs of this account's buckets (confused deputy).
            conditions=(("StringEquals", "aws:SourceAccount", (props.account_id,)),
                        ("ArnLike", "aws:SourceArn", ("arn:aws:s3:::*",))))
        self.bucket = SecureBucket(self, "bucket", SecureBucketProps(
            bucket_name=props.bucket_name, kms_key_arn=None,
            prevent_destroy=props.prevent_destroy, force_destroy=props.force_destroy,
            extra_policy_statements=(delivery,),
            lifecycle_rules=(LifecycleRule("expire-access-logs",
                                           expiration_days=props.retention_days),)))
        for check, reason in (
            ("CKV_AWS_145", "S3 server access logging refuses SSE-KMS target buckets; the logs are "
                            "encrypted with SSE-S3 (AES256)."),
            ("CKV_AWS_18", "This is the access-log bucket: logging its own access would log into "
                           "itself."),
            ("CKV_AWS_144", "Access logs are evidence kept in the account that produced them; the "
                            "audit trail itself (CloudTrail) has its own locked bucket."),
            ("CKV2_AWS_62", "No process reacts to new access-log objects; they are read on demand."),
        ):
            suppress(self.bucket.bucket, check, reason)
        # Through the policy: S3 refuses to enable logging into a bucket whose policy does not
        # yet let the logging service write, so every user of this name waits for the policy.
        self.bucket_name: str = self.bucket.policy.bucket
        self.arn: str = self.bucket.arn
