"""modules/schema_bucket.py + modules/secure_bucket.py: the seed's bucket and its 3 schemas."""

from __future__ import annotations

import hashlib

from modules.config import REPO_ROOT
from tests.conftest import one, resources


def test_bucket_name_and_protections(dev):
    assert one(dev, "aws_s3_bucket")["bucket"] == "pf-schemas-dev-618048437522"
    assert one(dev, "aws_s3_bucket_versioning")["versioning_configuration"]["status"] == "Enabled"
    sse = one(dev, "aws_s3_bucket_server_side_encryption_configuration")["rule"][0]
    assert sse["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    assert sse["bucket_key_enabled"] is True
    block = one(dev, "aws_s3_bucket_public_access_block")
    assert [block[k] for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                               "restrict_public_buckets")] == [True] * 4


def test_three_schema_objects_with_content_hashes(dev, synth_dir):
    objects = {o["key"]: o for o in resources(dev, "aws_s3_object").values()}
    assert sorted(objects) == ["information_actions.json", "notes_actions.json", "scheduling_actions.json"]
    for key, obj in objects.items():
        source = REPO_ROOT / "lambda" / "schemas" / key
        assert obj["source_hash"] == hashlib.sha256(source.read_bytes()).hexdigest()
        assert obj["content_type"] == "application/json"
        assert (synth_dir / "stacks" / "dev" / obj["source"]).read_bytes() == source.read_bytes()


def test_action_groups_read_schemas_from_the_bucket(dev):
    groups = resources(dev, "aws_bedrockagent_agent_action_group").values()
    keys = sorted(g["api_schema"][0]["s3"][0]["s3_object_key"] for g in groups)
    assert keys == ["information_actions.json", "notes_actions.json", "scheduling_actions.json"]
    for group in groups:
        assert group["api_schema"][0]["s3"][0]["s3_bucket_name"].startswith("${aws_s3_bucket.")
        assert group["action_group_executor"][0]["lambda"].startswith("${aws_lambda_function.")
