"""content-processor-lambda: classifies every object created in the user-content bucket.

S3 calls it asynchronously for `s3:ObjectCreated:*`. For each record the handler reads the
object's metadata (never its body), decides whether the upload is acceptable for its folder
(`writing-submissions/`, `generated-content/`, `user-uploads/`, `archive/`) by content type and
size, and writes the verdict as object tags (`processing-status`, `content-category`), which
the apps read before serving an object. An object outside the known folders, of a type its
folder does not take, or over the size limit is tagged `rejected` with the reason.

A record that cannot be processed (the object is gone, S3 errors) raises, so Lambda retries it
and finally sends the event to the dead-letter queue.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from urllib.parse import unquote_plus

import boto3

LOG = logging.getLogger()
LOG.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

MB = 1024 * 1024
TEXT = ("text/plain", "text/markdown", "application/json")
IMAGES = ("image/png", "image/jpeg", "image/webp")
AUDIO = ("audio/mpeg", "audio/ogg", "audio/wav")


@dataclass(frozen=True)
class Folder:
    category: str
    content_types: tuple[str, ...]
    max_bytes: int


FOLDERS: dict[str, Folder] = {
    "writing-submissions/": Folder("writing-submission", (*TEXT, *IMAGES), 10 * MB),
    "generated-content/": Folder("generated", (*TEXT, *IMAGES, *AUDIO), 50 * MB),
    "user-uploads/": Folder("user-upload", (*TEXT, *IMAGES, *AUDIO), 25 * MB),
    "archive/": Folder("archive", (*TEXT, *IMAGES, *AUDIO), 50 * MB),
}


def verdict(key: str, content_type: str, size: int) -> tuple[str, str, str]:
    """(status, category, reason) of an object; pure, so it is fuzzed directly."""
    folder_key = next((prefix for prefix in FOLDERS if key.startswith(prefix)), None)
    if folder_key is None or key == folder_key:
        return "rejected", "unknown", "outside the known folders"
    folder = FOLDERS[folder_key]
    base_type = content_type.split(";", 1)[0].strip().lower()
    if base_type not in folder.content_types:
        return "rejected", folder.category, f"content type {base_type or 'missing'} not allowed"
    if size > folder.max_bytes:
        return "rejected", folder.category, f"{size} bytes over the {folder.max_bytes} limit"
    if size == 0:
        return "rejected", folder.category, "empty object"
    return "accepted", folder.category, "ok"


def _tags(status: str, category: str, reason: str) -> dict:
    # Tag values allow letters, digits, spaces and + - = . _ : / @ only.
    safe = "".join(c if c.isalnum() or c in " +-=._:/@" else " " for c in reason)[:256]
    return {"TagSet": [{"Key": "processing-status", "Value": status},
                       {"Key": "content-category", "Value": category},
                       {"Key": "processing-reason", "Value": safe}]}


def lambda_handler(event: dict, context: object, s3=None) -> dict:
    s3 = s3 or boto3.client("s3")
    results = []
    for record in event.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        head = s3.head_object(Bucket=bucket, Key=key)
        status, category, reason = verdict(key, head.get("ContentType", ""),
                                           int(head.get("ContentLength", 0)))
        s3.put_object_tagging(Bucket=bucket, Key=key, Tagging=_tags(status, category, reason))
        LOG.info(json.dumps({"bucket": bucket, "key": key, "status": status,
                             "category": category, "reason": reason}))
        results.append({"key": key, "status": status, "category": category})
    return {"processed": len(results), "results": results}
