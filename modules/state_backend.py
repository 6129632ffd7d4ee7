"""What `backend.tf.json` names: the state bucket and the lock table, both undeletable by Terraform."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module
from modules.backend import BackendSettings
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.policy import Statement
from modules.secure_bucket import SecureBucket, SecureBucketProps
from modules.suppressions import suppress


@dataclass(frozen=True)
class StateBackendProps:
    settings: BackendSettings
    #: Days old state versions are kept; they are the undo history of every environment.
    noncurrent_version_expiration_days: int = 365


class StateBackend(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: StateBackendProps) -> None:
        super().__init__(scope, construct_id)
        settings = props.settings
        key = EncryptionKey(self, "key", EncryptionKeyProps(
            alias=f"alias/{settings.key_prefix}-terraform-state",
            description="Encrypts the Terraform state bucket and lock table",
            account_id=settings.account_id,
            region=settings.region,
            prevent_destroy=True,
        ))
        bucket = SecureBucket(self, "state", SecureBucketProps(
            bucket_name=settings.bucket,
            kms_key_arn=key.key_arn,
            noncurrent_version_expiration_days=props.noncurrent_version_expiration_days,
            prevent_destroy=True,
            extra_policy_statements=only_the_state_key(settings.bucket, key.key_arn),
        ))
        suppress(bucket.bucket, "CKV_AWS_18",
                 "Reads and writes of state are audited by the account's CloudTrail; an access-log "
                 "bucket would itself need a log target and adds no signal.")
        suppress(bucket.bucket, "CKV_AWS_144",
                 "Every state version is kept by versioning in the team's home region; cross-region "
                 "replication is a disaster-recovery choice left to the account owner.")
        suppress(bucket.bucket, "CKV2_AWS_62",
                 "No consumer exists for state object events; Terraform is the only writer.")
        dynamodb = provider_module("dynamodb_table")
        table = dynamodb.DynamodbTable(
            self, "lock_table",
            name=settings.dynamodb_table,
            billing_mode="PAY_PER_REQUEST",
            hash_key="LockID",
            attribute=[dynamodb.DynamodbTableAttribute(name="LockID", type="S")],
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": key.key_arn},
            deletion_protection_enabled=True,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        self.bucket_name: str = bucket.bucket_name
        self.table_name: str = table.name
        self.key_arn: str = key.key_arn


def only_the_state_key(bucket_name: str, key_arn: str) -> tuple[Statement, ...]:
    """State objects are written with the state key or with no encryption header (then the
    bucket default, the same key, applies); S3-managed keys or any other KMS key are refused.
    `...IfExists`: a request without the header is not refused."""
    objects = (f"arn:aws:s3:::{bucket_name}/*",)
    anyone = (("*", ("*",)),)
    return (
        Statement(sid="DenyOtherEncryption", effect="Deny", actions=("s3:PutObject",),
                  resources=objects, principals=anyone,
                  conditions=(("StringNotEqualsIfExists", "s3:x-amz-server-side-encryption",
                               ("aws:kms",)),)),
        Statement(sid="DenyOtherKeys", effect="Deny", actions=("s3:PutObject",),
                  resources=objects, principals=anyone,
                  conditions=(("StringNotEqualsIfExists",
                               "s3:x-amz-server-side-encryption-aws-kms-key-id", (key_arn,)),)),
        # "aws:kms" without a key id would mean the AWS-managed aws/s3 key.
        Statement(sid="DenyKmsWithoutTheKey", effect="Deny", actions=("s3:PutObject",),
                  resources=objects, principals=anyone,
                  conditions=(("StringEquals", "s3:x-amz-server-side-encryption", ("aws:kms",)),
                              ("Null", "s3:x-amz-server-side-encryption-aws-kms-key-id",
                               ("true",)))),
    )
