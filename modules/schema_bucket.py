"""The bucket holding the action groups' OpenAPI schemas, and one object per schema."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, kms_via_service
from modules.secure_bucket import SecureBucket, SecureBucketProps
from modules.suppressions import suppress


@dataclass(frozen=True)
class SchemaObject:
    """One uploaded schema: where it is, what it hashes to and who may read it."""

    bucket_name: str
    key: str
    arn: str
    #: sha256 of the uploaded file: what changes when the schema changes.
    digest: str
    kms_key_arn: str | None
    region: str

    def read_statements(self) -> tuple[Statement, ...]:
        """Read this object only, and decrypt it through S3 only."""
        statements = [Statement(sid="ReadOwnSchema", actions=("s3:GetObject",), resources=(self.arn,))]
        if self.kms_key_arn:
            statements.append(kms_via_service("DecryptOwnSchema", self.kms_key_arn, "s3", self.region))
        return tuple(statements)


@dataclass(frozen=True)
class SchemaBucketProps:
    bucket_name: str
    kms_key_arn: str | None
    region: str
    #: Object key -> local schema file, e.g. {"scheduling_actions.json": Path(...)}.
    schemas: dict[str, Path] = field(default_factory=dict)


class SchemaBucket(Construct):
    """Exposes `bucket` (the L1 resource), `bucket_name`, `bucket_arn`, `schema(key)` and
    `objects`."""

    def __init__(self, scope: Construct, construct_id: str, props: SchemaBucketProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        bucket = SecureBucket(self, "bucket", SecureBucketProps(
            bucket_name=props.bucket_name, kms_key_arn=props.kms_key_arn,
            noncurrent_version_expiration_days=30,
            # Content is generated from the handlers and re-uploaded by every apply.
            force_destroy=True,
        ))
        suppress(bucket.bucket, "CKV_AWS_18",
                 "Holds only OpenAPI schemas generated from this repository and written by "
                 "Terraform; reads are by Bedrock at agent preparation and audited by CloudTrail.")
        suppress(bucket.bucket, "CKV_AWS_144",
                 "Schemas are regenerated from source on every apply; a replica adds no recovery "
                 "value over the repository itself.")
        suppress(bucket.bucket, "CKV2_AWS_62",
                 "Nothing consumes schema-object events; agents read schemas when prepared.")
        self.bucket = bucket.bucket
        self.bucket_name: str = bucket.bucket_name
        self.bucket_arn: str = bucket.arn
        self._objects: dict[str, object] = {}
        self._digests: dict[str, str] = {}
        s3_object = provider_module("s3_object")
        for key, path in sorted(props.schemas.items()):
            self._digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            asset = TerraformAsset(self, f"asset_{Path(key).stem}", path=str(path), type=AssetType.FILE)
            obj = s3_object.S3Object(
                self, f"object_{Path(key).stem}",
                bucket=bucket.bucket.id,
                key=key,
                source=asset.path,
                # A changed schema is a planned update (etag is not an MD5 under SSE-KMS).
                source_hash=self._digests[key],
                content_type="application/json",
                kms_key_id=props.kms_key_arn,
                server_side_encryption="aws:kms" if props.kms_key_arn else "AES256",
            )
            self._objects[key] = obj

    def schema(self, key: str) -> SchemaObject:
        return SchemaObject(bucket_name=self.bucket_name, key=key, arn=f"{self.bucket_arn}/{key}",
                            digest=self._digests[key], kms_key_arn=self._props.kms_key_arn,
                            region=self._props.region)

    @property
    def objects(self) -> dict[str, object]:
        return dict(self._objects)
