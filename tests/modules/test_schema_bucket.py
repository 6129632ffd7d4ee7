"""modules/schema_bucket.py + modules/secure_bucket.py alone: protections, objects, grants."""

from __future__ import annotations

import hashlib

import pytest

from modules.schema_bucket import SchemaBucket, SchemaBucketProps
from tests.conftest import fake_package, one, policy_statements, resources, synth_construct

KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"


def build(tmp_path, kms_key_arn):
    package = fake_package(tmp_path)
    captured = {}

    def add(stack):
        bucket = SchemaBucket(stack, "schemas", SchemaBucketProps(
            bucket_name="t-schemas", kms_key_arn=kms_key_arn, region="eu-west-1",
            schemas={package.schema_key: package.schema_path}))
        captured["schema"] = bucket.schema(package.schema_key)
    return synth_construct(add), captured["schema"], package


@pytest.fixture(scope="module")
def with_key(tmp_path_factory):
    return build(tmp_path_factory.mktemp("key"), KEY)


def test_bucket_protections(with_key):
    stack, _, _ = with_key
    assert one(stack, "aws_s3_bucket")["bucket"] == "t-schemas"
    assert one(stack, "aws_s3_bucket_versioning")["versioning_configuration"] == {"status": "Enabled"}
    block = one(stack, "aws_s3_bucket_public_access_block")
    assert [block[k] for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                               "restrict_public_buckets")] == [True] * 4
    assert one(stack, "aws_s3_bucket_ownership_controls")["rule"] == {"object_ownership": "BucketOwnerEnforced"}
    deny = policy_statements(stack, one(stack, "aws_s3_bucket_policy")["policy"])[0]
    assert deny["effect"] == "Deny" and deny["condition"] == [
        {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]
    rule = one(stack, "aws_s3_bucket_lifecycle_configuration")["rule"][0]
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == 30


def test_default_encryption_is_the_customer_key(with_key):
    stack, _, _ = with_key
    sse = one(stack, "aws_s3_bucket_server_side_encryption_configuration")["rule"][0]
    assert sse["apply_server_side_encryption_by_default"] == {"sse_algorithm": "aws:kms",
                                                              "kms_master_key_id": KEY}
    assert sse["bucket_key_enabled"] is True


def test_objects_are_encrypted_with_the_key_and_hashed(with_key):
    stack, schema, package = with_key
    (obj,) = resources(stack, "aws_s3_object").values()
    assert obj["key"] == "orders_actions.json"
    assert obj["kms_key_id"] == KEY and obj["server_side_encryption"] == "aws:kms"
    assert obj["source_hash"] == hashlib.sha256(package.schema_path.read_bytes()).hexdigest()
    assert schema.digest == obj["source_hash"]
    assert obj["content_type"] == "application/json"


def test_schema_readers_get_this_object_and_s3_only_decrypt(with_key):
    _, schema, _ = with_key
    read, decrypt = schema.read_statements()
    assert read.actions == ("s3:GetObject",) and read.resources == (schema.arn,)
    assert schema.arn.endswith("/orders_actions.json")
    assert decrypt.resources == (KEY,)
    assert decrypt.conditions == (("StringEquals", "kms:ViaService", ("s3.eu-west-1.amazonaws.com",)),)


def test_without_a_customer_key(tmp_path):
    stack, schema, _ = build(tmp_path, None)
    sse = one(stack, "aws_s3_bucket_server_side_encryption_configuration")["rule"][0]
    assert sse["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}
    (obj,) = resources(stack, "aws_s3_object").values()
    assert obj["server_side_encryption"] == "AES256" and "kms_key_id" not in obj
    assert [s.sid for s in schema.read_statements()] == ["ReadOwnSchema"]
