"""An S3 bucket with every protection on: versioning, KMS encryption, no public access,
bucket-owner-enforced ownership, TLS-only policy and noncurrent-version expiry.

Lists of nested blocks are passed as the provider's struct classes: jsii converts a plain dict
only where a single struct is expected, and silently drops multi-word keys of dicts in lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document


@dataclass(frozen=True)
class SecureBucketProps:
    bucket_name: str
    kms_key_arn: str | None
    #: Days a replaced or deleted object version is kept before expiry.
    noncurrent_version_expiration_days: int = 90
    prevent_destroy: bool = False
    #: Empty the bucket on destroy (only for buckets whose content Terraform owns).
    force_destroy: bool = False
    extra_policy_statements: tuple[Statement, ...] = field(default=())


class SecureBucket(Construct):
    """Exposes `bucket` (the aws_s3_bucket resource), `bucket_name` and `arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: SecureBucketProps) -> None:
        super().__init__(scope, construct_id)
        lifecycle = TerraformResourceLifecycle(prevent_destroy=True) if props.prevent_destroy else None
        bucket = provider_module("s3_bucket").S3Bucket(
            self, "bucket", bucket=props.bucket_name, force_destroy=props.force_destroy,
            lifecycle=lifecycle,
        )
        self.bucket = bucket
        self.bucket_name: str = bucket.bucket
        self.arn: str = bucket.arn

        provider_module("s3_bucket_versioning").S3BucketVersioningA(
            self, "versioning", bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
        )
        default = (
            {"sse_algorithm": "aws:kms", "kms_master_key_id": props.kms_key_arn}
            if props.kms_key_arn else {"sse_algorithm": "AES256"}
        )
        sse = provider_module("s3_bucket_server_side_encryption_configuration")
        sse.S3BucketServerSideEncryptionConfigurationA(
            self, "encryption", bucket=bucket.id,
            rule=[sse.S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=default,
                bucket_key_enabled=bool(props.kms_key_arn),
            )],
        )
        public_access = provider_module("s3_bucket_public_access_block").S3BucketPublicAccessBlock(
            self, "public_access", bucket=bucket.id,
            block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True,
        )
        provider_module("s3_bucket_ownership_controls").S3BucketOwnershipControls(
            self, "ownership", bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
        )
        tls_only = Statement(
            sid="DenyInsecureTransport",
            effect="Deny",
            actions=("s3:*",),
            resources=(bucket.arn, f"{bucket.arn}/*"),
            principals=(("*", ("*",)),),
            conditions=(("Bool", "aws:SecureTransport", ("false",)),),
        )
        policy = policy_document(self, "policy_document", [tls_only, *props.extra_policy_statements])
        provider_module("s3_bucket_policy").S3BucketPolicy(
            self, "policy", bucket=bucket.id, policy=policy.json,
            # A policy put before the public-access block can be rejected as public.
            depends_on=[public_access],
        )
        lc = provider_module("s3_bucket_lifecycle_configuration")
        lc.S3BucketLifecycleConfiguration(
            self, "lifecycle", bucket=bucket.id,
            rule=[lc.S3BucketLifecycleConfigurationRule(
                id="expire-noncurrent-versions",
                status="Enabled",
                filter=[lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                noncurrent_version_expiration=[
                    lc.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                        noncurrent_days=props.noncurrent_version_expiration_days)
                ],
                abort_incomplete_multipart_upload=[
                    lc.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                        days_after_initiation=7)
                ],
            )],
        )
