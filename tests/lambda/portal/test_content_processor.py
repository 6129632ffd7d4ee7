"""lambda/portal/content_processor: S3 ObjectCreated events against moto's S3 (objects are
tagged accepted or rejected by folder, type and size; a missing object raises so Lambda
retries), and the pure verdict fuzzed with hypothesis."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from urllib.parse import quote_plus

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

HANDLER = Path(__file__).resolve().parents[3] / "lambda" / "portal" / "content_processor" / \
    "handler.py"
spec = importlib.util.spec_from_file_location("portal_content_processor", HANDLER)
processor = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = processor  # dataclasses look their module up while decorating
spec.loader.exec_module(processor)

BUCKET = "genai-bootcamp-user-content"


def event(*keys: str, name: str = "ObjectCreated:Put") -> dict:
    return {"Records": [{"eventName": name, "s3": {"bucket": {"name": BUCKET},
                                                   "object": {"key": quote_plus(k)}}}
                        for k in keys]}


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def tags(s3, key: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]}


def test_accepted_and_rejected_objects_are_tagged(s3):
    s3.put_object(Bucket=BUCKET, Key="writing-submissions/u1/essay 1.txt", Body=b"hello",
                  ContentType="text/plain; charset=utf-8")
    s3.put_object(Bucket=BUCKET, Key="user-uploads/u1/run.sh", Body=b"#!/bin/sh",
                  ContentType="application/x-sh")
    s3.put_object(Bucket=BUCKET, Key="elsewhere/x.png", Body=b"png", ContentType="image/png")
    s3.put_object(Bucket=BUCKET, Key="generated-content/empty.mp3", Body=b"",
                  ContentType="audio/mpeg")
    result = processor.lambda_handler(event(
        "writing-submissions/u1/essay 1.txt", "user-uploads/u1/run.sh", "elsewhere/x.png",
        "generated-content/empty.mp3"), None, s3=s3)
    assert result["processed"] == 4
    assert tags(s3, "writing-submissions/u1/essay 1.txt") == {
        "processing-status": "accepted", "content-category": "writing-submission",
        "processing-reason": "ok"}
    rejected = tags(s3, "user-uploads/u1/run.sh")
    assert rejected["processing-status"] == "rejected"
    assert rejected["processing-reason"] == "content type application/x-sh not allowed"
    assert tags(s3, "elsewhere/x.png")["content-category"] == "unknown"
    assert tags(s3, "generated-content/empty.mp3")["processing-reason"] == "empty object"


def test_other_events_are_ignored_and_a_missing_object_raises(s3):
    assert processor.lambda_handler(event("user-uploads/a.txt", name="ObjectRemoved:Delete"),
                                    None, s3=s3) == {"processed": 0, "results": []}
    with pytest.raises(ClientError):
        processor.lambda_handler(event("user-uploads/gone.txt"), None, s3=s3)


def test_oversized_object_is_rejected(s3, monkeypatch):
    monkeypatch.setitem(processor.FOLDERS, "user-uploads/",
                        processor.Folder("user-upload", ("text/plain",), 4))
    s3.put_object(Bucket=BUCKET, Key="user-uploads/big.txt", Body=b"12345",
                  ContentType="text/plain")
    processor.lambda_handler(event("user-uploads/big.txt"), None, s3=s3)
    assert tags(s3, "user-uploads/big.txt")["processing-reason"] == "5 bytes over the 4 limit"


@settings(max_examples=300, deadline=None)
@given(key=st.text(max_size=80), content_type=st.text(max_size=40),
       size=st.integers(min_value=0, max_value=10 ** 9))
def test_verdict_is_total_and_consistent(key, content_type, size):
    status, category, reason = processor.verdict(key, content_type, size)
    assert status in ("accepted", "rejected")
    folder = next((f for p, f in processor.FOLDERS.items() if key.startswith(p) and key != p),
                  None)
    if status == "accepted":
        assert folder is not None and 0 < size <= folder.max_bytes and reason == "ok"
        assert content_type.split(";")[0].strip().lower() in folder.content_types
    if folder is None:
        assert (status, category) == ("rejected", "unknown")
    tag_set = processor._tags(status, category, reason)["TagSet"]
    assert all(len(t["Value"]) <= 256 for t in tag_set)
    assert all(c.isalnum() or c in " +-=._:/@" for t in tag_set for c in t["Value"])
