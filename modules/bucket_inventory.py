"""A weekly (or daily) S3 Inventory report of a bucket's current versions, written as CSV to
another bucket under `<prefix>/<source bucket>/`, encrypted with SSE-S3 there."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module

FIELDS = ("Size", "LastModifiedDate", "StorageClass", "EncryptionStatus")


@dataclass(frozen=True)
class BucketInventoryProps:
    #: Id of the inventoried bucket (its name).
    bucket: str
    destination_bucket_arn: str
    destination_account_id: str
    prefix: str = "inventory"
    frequency: str = "Weekly"
    optional_fields: tuple[str, ...] = FIELDS
    name: str = "weekly-inventory"

    def __post_init__(self) -> None:
        if self.frequency not in ("Daily", "Weekly"):
            raise ValueError("frequency must be Daily or Weekly")


class BucketInventory(Construct):
    """Exposes `inventory` (L1). The destination's policy must let s3.amazonaws.com put
    objects under the prefix (see `delivery_statement` of the caller)."""

    def __init__(self, scope: Construct, construct_id: str, props: BucketInventoryProps) -> None:
        super().__init__(scope, construct_id)
        module = provider_module("s3_bucket_inventory")
        self.inventory = module.S3BucketInventory(
            self, "inventory", bucket=props.bucket, name=props.name,
            included_object_versions="Current", optional_fields=list(props.optional_fields),
            schedule=module.S3BucketInventorySchedule(frequency=props.frequency),
            destination=module.S3BucketInventoryDestination(
                bucket=module.S3BucketInventoryDestinationBucket(
                    bucket_arn=props.destination_bucket_arn, format="CSV",
                    account_id=props.destination_account_id, prefix=props.prefix,
                    encryption=module.S3BucketInventoryDestinationBucketEncryption(
                        sse_s3=module.S3BucketInventoryDestinationBucketEncryptionSseS3()))))
