"""Creates the knowledge base's vector index in the OpenSearch Serverless collection; Terraform
invokes it (`aws_lambda_invocation`) after the collection and its data access policy exist.

Event: {"endpoint": "https://<id>.<region>.aoss.amazonaws.com", "index": "...",
"dimensions": 1024, "fields": {"vector": "...", "text": "...", "metadata": "..."}}.
An existing index is left as it is. A fresh data access policy takes up to a minute to apply,
so 403 answers are retried for a while.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
_ENDPOINT = re.compile(r"https://[a-z0-9]+\.[a-z0-9-]+\.aoss\.amazonaws\.com")
_INDEX = re.compile(r"[a-z0-9][a-z0-9_-]{0,254}")


def mapping(dimensions: int, fields: dict) -> dict:
    """The index Bedrock knowledge bases need: a faiss HNSW vector field, the chunk text and
    Bedrock's metadata (stored, not indexed)."""
    return {
        "settings": {"index": {"knn": True, "knn.algo_param.ef_search": 512}},
        "mappings": {"properties": {
            fields["vector"]: {"type": "knn_vector", "dimension": dimensions, "method": {
                "name": "hnsw", "engine": "faiss", "space_type": "l2",
                "parameters": {"ef_construction": 512, "m": 16}}},
            fields["text"]: {"type": "text"},
            fields["metadata"]: {"type": "text", "index": False},
        }},
    }


def validate(event: dict) -> tuple[str, str, int, dict]:
    endpoint, index = event.get("endpoint", ""), event.get("index", "")
    dimensions, fields = event.get("dimensions"), event.get("fields") or {}
    if not _ENDPOINT.fullmatch(str(endpoint)):
        raise ValueError(f"endpoint {endpoint!r} is not an OpenSearch Serverless endpoint")
    if not _INDEX.fullmatch(str(index)):
        raise ValueError(f"index {index!r} is not a valid index name")
    if isinstance(dimensions, bool) or not isinstance(dimensions, int) or not 1 <= dimensions <= 16000:
        raise ValueError("dimensions must be an integer 1-16000")
    if sorted(fields) != ["metadata", "text", "vector"] or not all(
            isinstance(v, str) and v for v in fields.values()):
        raise ValueError("fields must name the vector, text and metadata fields")
    return endpoint, index, dimensions, fields


def signed(method: str, url: str, body: bytes | None, region: str) -> urllib.request.Request:
    credentials = boto3.Session().get_credentials().get_frozen_credentials()
    request = AWSRequest(method=method, url=url, data=body,
                         headers={"Content-Type": "application/json"} if body else {})
    SigV4Auth(credentials, "aoss", region).add_auth(request)
    return urllib.request.Request(url, data=body, method=method, headers=dict(request.headers))


def call(method: str, url: str, body: bytes | None, region: str) -> int:
    try:
        with urllib.request.urlopen(signed(method, url, body, region), timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def lambda_handler(event, context, *, attempts: int = 20, pause: float = 10.0):
    endpoint, index, dimensions, fields = validate(event)
    region = endpoint.split(".")[1]
    url = f"{endpoint}/{index}"
    body = json.dumps(mapping(dimensions, fields)).encode()
    for attempt in range(1, attempts + 1):
        if call("HEAD", url, None, region) == 200:
            return {"index": index, "created": False}
        status = call("PUT", url, body, region)
        if status in (200, 201):
            logger.info("created index %s", index)
            return {"index": index, "created": True}
        if status not in (403, 404, 429, 503):
            raise RuntimeError(f"creating index {index} answered HTTP {status}")
        logger.info("attempt %d: HTTP %d, waiting for the access policy", attempt, status)
        time.sleep(pause)
    raise RuntimeError(f"index {index} not created after {attempts} attempts")
