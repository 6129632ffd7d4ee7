"""modules/bucket_inventory.py: a weekly CSV inventory of current versions to another bucket,
SSE-S3 encrypted there."""

from __future__ import annotations

import pytest

from modules.bucket_inventory import FIELDS, BucketInventory, BucketInventoryProps
from tests.conftest import one, synth_construct


def test_weekly_inventory():
    stack = synth_construct(lambda s: BucketInventory(s, "inv", BucketInventoryProps(
        bucket="src", destination_bucket_arn="arn:aws:s3:::logs",
        destination_account_id="111122223333")))
    inventory = one(stack, "aws_s3_bucket_inventory")
    assert inventory["bucket"] == "src" and inventory["schedule"] == {"frequency": "Weekly"}
    assert inventory["included_object_versions"] == "Current"
    assert inventory["optional_fields"] == list(FIELDS)
    destination = inventory["destination"]["bucket"]
    assert (destination["bucket_arn"], destination["format"], destination["prefix"]) == (
        "arn:aws:s3:::logs", "CSV", "inventory")
    assert "sse_s3" in destination["encryption"]


def test_frequency_is_checked():
    with pytest.raises(ValueError, match="Daily or Weekly"):
        BucketInventoryProps(bucket="b", destination_bucket_arn="a", destination_account_id="1",
                             frequency="Monthly")
