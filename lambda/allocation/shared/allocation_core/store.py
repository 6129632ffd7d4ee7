"""DynamoDB access of the allocation Lambdas: jobs (job_id + timestamp, user_id index) and the
results cache (result_key, TTL `expires_at`). Numbers go to DynamoDB as Decimal."""

from __future__ import annotations

import json
import os
import time
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key

TERMINAL = ("COMPLETED", "FAILED")


def _resource():
    return boto3.resource("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))


def jobs_table():
    return _resource().Table(os.environ["JOBS_TABLE"])


def cache_table():
    return _resource().Table(os.environ["RESULTS_CACHE_TABLE"])


def connections_table():
    return _resource().Table(os.environ["CONNECTIONS_TABLE"])


def to_dynamo(value):
    return json.loads(json.dumps(value), parse_float=Decimal)


def from_dynamo(value):
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def record_status(job_id: str, user_id: str, status: str, **extra) -> dict:
    """Append a status record (the jobs table keeps the history: one item per transition).
    Two transitions in one millisecond never overwrite each other: the later one moves on."""
    table = jobs_table()
    timestamp = int(time.time() * 1000)
    for _ in range(10):
        item = {"job_id": job_id, "timestamp": timestamp, "user_id": user_id, "status": status,
                **extra}
        try:
            table.put_item(Item=to_dynamo(item),
                           ConditionExpression="attribute_not_exists(job_id)")
            return item
        except table.meta.client.exceptions.ConditionalCheckFailedException:
            timestamp += 1
    raise RuntimeError(f"job {job_id}: could not record status {status}")


def latest_status(job_id: str) -> dict | None:
    answer = jobs_table().query(KeyConditionExpression=Key("job_id").eq(job_id),
                                ScanIndexForward=False, Limit=1)
    items = answer.get("Items", [])
    return from_dynamo(items[0]) if items else None


def first_record(job_id: str) -> dict | None:
    answer = jobs_table().query(KeyConditionExpression=Key("job_id").eq(job_id),
                                ScanIndexForward=True, Limit=1)
    items = answer.get("Items", [])
    return from_dynamo(items[0]) if items else None


def put_result(key: str, body: dict, ttl_days: int) -> None:
    cache_table().put_item(Item=to_dynamo({"result_key": key, **body,
                                           "expires_at": int(time.time()) + ttl_days * 86400}))


def get_result(key: str) -> dict | None:
    item = cache_table().get_item(Key={"result_key": key}).get("Item")
    if item is None or int(item.get("expires_at", 0)) < time.time():
        return None
    return from_dynamo(item)


def user_jobs(user_id: str, limit: int = 50) -> list[dict]:
    answer = jobs_table().query(IndexName="user-index",
                                KeyConditionExpression=Key("user_id").eq(user_id),
                                ScanIndexForward=False, Limit=limit)
    return [from_dynamo(i) for i in answer.get("Items", [])]
