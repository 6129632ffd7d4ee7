"""An S3 bucket with every protection on: versioning, KMS encryption, no public access,
bucket-owner-enforced ownership, TLS-only policy and noncurrent-version expiry; optionally
S3 Object Lock (write once, read many) with a default retention, and lifecycle rules that age
current versions (storage-class transitions, then expiry).

Lists of nested blocks are passed as the provider's struct classes: jsii converts a plain dict
only where a single struct is expected, and silently drops multi-word keys of dicts in lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document


LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")
STORAGE_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER",
                   "DEEP_ARCHIVE")
#: The id of the rule every bucket has; extra rules take other ids.
NONCURRENT_RULE_ID = "expire-noncurrent-versions"


@dataclass(frozen=True)
class ObjectLock:
    """Default retention of every new object version. Object Lock can only be switched on when
    the bucket is created: adding it to an existing bucket replaces the bucket."""

    #: GOVERNANCE (privileged users may shorten or lift it) or COMPLIANCE (nobody can, not even
    #: the account root, until the retention ends).
    mode: str
    days: int = 365

    def __post_init__(self) -> None:
        if self.mode not in LOCK_MODES:
            raise ValueError(f"object lock mode {self.mode!r} is not one of {', '.join(LOCK_MODES)}")
        if not 1 <= self.days <= 36500:
            raise ValueError(f"object lock days is {self.days}; 1-36500")


@dataclass(frozen=True)
class LifecycleRule:
    """A lifecycle rule for current versions under `prefix`: transitions, then expiry."""

    id: str
    #: (days after creation, storage class), e.g. ((30, "STANDARD_IA"), (90, "GLACIER")).
    transitions: tuple[tuple[int, str], ...] = ()
    #: Days after creation when current versions expire (become noncurrent); None keeps them.
    expiration_days: int | None = None
    prefix: str = ""

    def __post_init__(self) -> None:
        if not 1 <= len(self.id) <= 255 or self.id == NONCURRENT_RULE_ID:
            raise ValueError(f"lifecycle rule id {self.id!r}: 1-255 characters, not "
                             f"{NONCURRENT_RULE_ID!r} (the bucket's own rule)")
        if not self.transitions and self.expiration_days is None:
            raise ValueError(f"lifecycle rule {self.id}: give transitions, expiration_days or both")
        days = [day for day, _ in self.transitions]
        if days != sorted(set(days)) or (days and days[0] < 0):
            raise ValueError(f"lifecycle rule {self.id}: transitions in increasing, distinct days")
        for day, storage_class in self.transitions:
            if storage_class not in STORAGE_CLASSES:
                raise ValueError(f"lifecycle rule {self.id}: storage class {storage_class!r} is "
                                 f"not one of {', '.join(STORAGE_CLASSES)}")
            if storage_class.endswith("_IA") and day < 30:
                raise ValueError(f"lifecycle rule {self.id}: {storage_class} needs at least 30 "
                                 f"days (got {day})")
        if self.expiration_days is not None and (
                self.expiration_days < 1 or (days and self.expiration_days <= days[-1])):
            raise ValueError(f"lifecycle rule {self.id}: expiration_days must be positive and "
                             f"after the last transition")


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
    #: Object Lock with a default retention; None leaves it off.
    object_lock: ObjectLock | None = None
    #: Rules for current versions, after the bucket's own noncurrent-version rule.
    lifecycle_rules: tuple[LifecycleRule, ...] = ()
    #: S3 server access logs of this bucket go to this bucket (name), under
    #: `access_log_prefix`; None writes none (see `modules/access_log_bucket.py`).
    access_log_bucket: str | None = None
    access_log_prefix: str = ""
    #: Provider of another region (`SystemStack.provider_in`), e.g. for a replica bucket.
    provider: Any = None

    def __post_init__(self) -> None:
        ids = [rule.id for rule in self.lifecycle_rules]
        if len(set(ids)) != len(ids):
            raise ValueError(f"bucket {self.bucket_name}: lifecycle rule ids must be unique")
        lock = self.object_lock
        for rule in self.lifecycle_rules:
            if lock and rule.expiration_days is not None and rule.expiration_days < lock.days:
                raise ValueError(
                    f"bucket {self.bucket_name}: rule {rule.id} expires current versions after "
                    f"{rule.expiration_days} days, before the {lock.days}-day Object Lock "
                    f"retention ends; locked versions cannot expire earlier")


class SecureBucket(Construct):
    """Exposes `bucket` (the aws_s3_bucket resource), `bucket_name`, `arn`, `policy` (the
    bucket policy, for `depends_on` of services that check it) and `object_lock` (the lock
    configuration, None without `props.object_lock`)."""

    def __init__(self, scope: Construct, construct_id: str, props: SecureBucketProps) -> None:
        super().__init__(scope, construct_id)
        lifecycle = TerraformResourceLifecycle(prevent_destroy=True) if props.prevent_destroy else None
        bucket = provider_module("s3_bucket").S3Bucket(
            self, "bucket", provider=props.provider, bucket=props.bucket_name, force_destroy=props.force_destroy,
            lifecycle=lifecycle, object_lock_enabled=True if props.object_lock else None,
        )
        self.bucket = bucket
        self.bucket_name: str = bucket.bucket
        self.arn: str = bucket.arn

        self.versioning = versioning = provider_module("s3_bucket_versioning").S3BucketVersioningA(
            self, "versioning", provider=props.provider, bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
        )
        self.object_lock = None
        if props.object_lock:
            lock = provider_module("s3_bucket_object_lock_configuration")
            self.object_lock = lock.S3BucketObjectLockConfigurationA(
                self, "object_lock", provider=props.provider, bucket=bucket.id,
                rule=lock.S3BucketObjectLockConfigurationRuleA(
                    default_retention=lock.S3BucketObjectLockConfigurationRuleDefaultRetentionA(
                        mode=props.object_lock.mode, days=props.object_lock.days)),
                # S3 accepts a lock configuration only once versioning is on.
                depends_on=[versioning])
        default = (
            {"sse_algorithm": "aws:kms", "kms_master_key_id": props.kms_key_arn}
            if props.kms_key_arn else {"sse_algorithm": "AES256"}
        )
        sse = provider_module("s3_bucket_server_side_encryption_configuration")
        sse.S3BucketServerSideEncryptionConfigurationA(
            self, "encryption", provider=props.provider, bucket=bucket.id,
            rule=[sse.S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=default,
                bucket_key_enabled=bool(props.kms_key_arn),
            )],
        )
        public_access = provider_module("s3_bucket_public_access_block").S3BucketPublicAccessBlock(
            self, "public_access", provider=props.provider, bucket=bucket.id,
            block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True,
        )
        provider_module("s3_bucket_ownership_controls").S3BucketOwnershipControls(
            self, "ownership", provider=props.provider, bucket=bucket.id,
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
        self.policy = provider_module("s3_bucket_policy").S3BucketPolicy(
            self, "policy", provider=props.provider, bucket=bucket.id, policy=policy.json,
            # A policy put before the public-access block can be rejected as public.
            depends_on=[public_access],
        )
        if props.access_log_bucket:
            provider_module("s3_bucket_logging").S3BucketLoggingA(
                self, "access_logging", provider=props.provider, bucket=bucket.id, target_bucket=props.access_log_bucket,
                target_prefix=props.access_log_prefix or f"{props.bucket_name}/")
        lc = provider_module("s3_bucket_lifecycle_configuration")
        lc.S3BucketLifecycleConfiguration(
            self, "lifecycle", provider=props.provider, bucket=bucket.id,
            rule=[lc.S3BucketLifecycleConfigurationRule(
                id=NONCURRENT_RULE_ID,
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
            ), *(_current_version_rule(lc, rule) for rule in props.lifecycle_rules)],
        )


def _current_version_rule(lc, rule: LifecycleRule):
    return lc.S3BucketLifecycleConfigurationRule(
        id=rule.id, status="Enabled",
        filter=[lc.S3BucketLifecycleConfigurationRuleFilter(prefix=rule.prefix)],
        transition=[lc.S3BucketLifecycleConfigurationRuleTransition(days=day, storage_class=kind)
                    for day, kind in rule.transitions] or None,
        expiration=[lc.S3BucketLifecycleConfigurationRuleExpiration(days=rule.expiration_days)]
        if rule.expiration_days is not None else None,
    )
