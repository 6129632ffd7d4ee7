"""The S3 bucket CloudFront standard logs are delivered to.

CloudFront's standard (legacy) logging writes with the `awslogsdelivery` account through the
bucket ACL, so this bucket, unlike every other one of the project, keeps ACLs enabled
(ownership "BucketOwnerPreferred": delivered objects still become the bucket owner's). No ACL
is written here: when a distribution with logging is created, CloudFront itself grants
`awslogsdelivery` FULL_CONTROL on the bucket ACL (the deploying role needs s3:GetBucketAcl and
s3:PutBucketAcl). Public access stays blocked, TLS is required, objects are KMS-encrypted (the
key must let `delivery.logs.amazonaws.com` generate data keys) and expire after the retention.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document
from modules.suppressions import suppress


@dataclass(frozen=True)
class CdnLogBucketProps:
    bucket_name: str
    kms_key_arn: str
    retention_days: int = 365


class CdnLogBucket(Construct):
    """Exposes `bucket` (L1), `bucket_domain_name` (for `logging_config.bucket`) and `arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: CdnLogBucketProps) -> None:
        super().__init__(scope, construct_id)
        bucket = provider_module("s3_bucket").S3Bucket(self, "bucket", bucket=props.bucket_name)
        for check, reason in (
            ("CKV_AWS_18", "This is the log bucket: logging its own access would log into itself."),
            ("CKV_AWS_144", f"Access logs are operational records kept for {props.retention_days} "
                            "days; a second-region copy adds cost without a recovery need."),
            ("CKV2_AWS_62", "No process reacts to new log objects; they are read on demand."),
        ):
            suppress(bucket, check, reason)
        provider_module("s3_bucket_versioning").S3BucketVersioningA(
            self, "versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"})
        sse = provider_module("s3_bucket_server_side_encryption_configuration")
        sse.S3BucketServerSideEncryptionConfigurationA(
            self, "encryption", bucket=bucket.id,
            rule=[sse.S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default={
                    "sse_algorithm": "aws:kms", "kms_master_key_id": props.kms_key_arn},
                bucket_key_enabled=True)])
        public_access = provider_module("s3_bucket_public_access_block").S3BucketPublicAccessBlock(
            self, "public_access", bucket=bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
        # ACLs on (see the module docstring); the bucket owner still owns every delivered log.
        ownership = provider_module("s3_bucket_ownership_controls").S3BucketOwnershipControls(
            self, "ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerPreferred"})
        suppress(ownership, "CKV2_AWS_65", "CloudFront standard logs are delivered through the "
                 "bucket ACL (awslogsdelivery); public access stays blocked and delivered logs "
                 "belong to the bucket owner.")
        tls_only = Statement(
            sid="DenyInsecureTransport", effect="Deny", actions=("s3:*",),
            resources=(bucket.arn, f"{bucket.arn}/*"), principals=(("*", ("*",)),),
            conditions=(("Bool", "aws:SecureTransport", ("false",)),))
        policy = policy_document(self, "policy_document", [tls_only])
        provider_module("s3_bucket_policy").S3BucketPolicy(
            self, "policy", bucket=bucket.id, policy=policy.json, depends_on=[public_access])
        lc = provider_module("s3_bucket_lifecycle_configuration")
        lc.S3BucketLifecycleConfiguration(
            self, "lifecycle", bucket=bucket.id,
            rule=[lc.S3BucketLifecycleConfigurationRule(
                id="expire-logs", status="Enabled",
                filter=[lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                expiration=[lc.S3BucketLifecycleConfigurationRuleExpiration(
                    days=props.retention_days)],
                noncurrent_version_expiration=[
                    lc.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                        noncurrent_days=7)],
                abort_incomplete_multipart_upload=[
                    lc.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                        days_after_initiation=7)])])
        self.bucket = bucket
        self.bucket_domain_name: str = bucket.bucket_domain_name
        self.arn: str = bucket.arn
