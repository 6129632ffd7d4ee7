"""Real-time consumer of the `pf-events-stream-<env>` Kinesis stream (Phase 3).

Each record is one JSON event (`event_type`, `occurred_at`, `customer_id`, ...), put by the
async-task, notification and workflow Lambdas. The consumer counts the batch's events per
(minute, event type), with the number of distinct customers, and puts one metric record per
count on the metrics stream (METRICS_STREAM), partitioned by event type. The metrics stream is
archived to S3 by Firehose, where the hourly Glue job aggregates it.

Records that are not such an event (bad base64, bad JSON, no event_type) are counted as
`invalid` under event type `invalid` and skipped: retrying cannot fix them, and a stuck record
would block its shard. If the metrics cannot be put, the batch is reported failed from its
first record (partial batch response); the event source mapping bisects the batch, retries a
bounded number of times and sends what still fails to its on-failure queue.

Environment: METRICS_STREAM, ENVIRONMENT, LOG_LEVEL.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
from collections import defaultdict
from typing import Any

from pf_actions import aws, metrics
from pf_actions.log import logger
from pf_actions.tracing import capture_handler

MAX_PUT = 500  # PutRecords' limit
INVALID = "invalid"


def decode(record: Any) -> dict[str, Any] | None:
    """The event of one Kinesis record, or None when it is not one."""
    try:
        data = base64.b64decode(record["kinesis"]["data"], validate=True)
        event = json.loads(data)
    except (KeyError, TypeError, ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(event, dict) or not isinstance(event.get("event_type"), str):
        return None
    if not event["event_type"] or len(event["event_type"]) > 64:
        return None
    return event


def minute_of(event: dict[str, Any], arrival: Any) -> str:
    """The event's minute (its occurred_at, else the record's arrival time), ISO UTC."""
    for value in (event.get("occurred_at"), arrival):
        try:
            if isinstance(value, (int, float)):
                moment = dt.datetime.fromtimestamp(float(value), dt.timezone.utc)
            else:
                moment = dt.datetime.fromisoformat(str(value))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=dt.timezone.utc)
            return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:00Z")
        except (ValueError, TypeError, OverflowError, OSError):
            continue
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:00Z")


def aggregate(records: list[Any]) -> list[dict[str, Any]]:
    """One metric row per (minute, event type): count and distinct customers, sorted."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    customers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in records:
        event = decode(record)
        arrival = record.get("kinesis", {}).get("approximateArrivalTimestamp") \
            if isinstance(record, dict) and isinstance(record.get("kinesis"), dict) else None
        key = (minute_of(event or {}, arrival), event["event_type"] if event else INVALID)
        counts[key] += 1
        if event and isinstance(event.get("customer_id"), str):
            customers[key].add(event["customer_id"])
    return [{"window_start": minute, "event_type": kind, "count": counts[(minute, kind)],
             "customers": len(customers[(minute, kind)])}
            for minute, kind in sorted(counts)]


def put_metrics(rows: list[dict[str, Any]]) -> None:
    stream = os.environ.get("METRICS_STREAM", "").strip()
    if not stream or not rows:
        return
    env = metrics.environment()
    entries = [{"Data": (json.dumps({**row, "environment": env}) + "\n").encode(),
                "PartitionKey": row["event_type"]} for row in rows]
    kinesis = aws.client("kinesis")
    for start in range(0, len(entries), MAX_PUT):
        chunk = entries[start:start + MAX_PUT]
        answer = kinesis.put_records(StreamARN=stream, Records=chunk)
        if answer.get("FailedRecordCount"):
            # Retry just the failed ones once; the event source mapping retries the rest.
            again = [e for e, r in zip(chunk, answer["Records"]) if r.get("ErrorCode")]
            if kinesis.put_records(StreamARN=stream, Records=again).get("FailedRecordCount"):
                raise RuntimeError(f"{len(again)} metric records not accepted")


@capture_handler
def lambda_handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    records = event.get("Records") if isinstance(event, dict) else None
    records = [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
    if not records:
        return {"batchItemFailures": []}
    rows = aggregate(records)
    try:
        put_metrics(rows)
    except Exception as exc:
        first = records[0].get("kinesis", {}).get("sequenceNumber") \
            if isinstance(records[0].get("kinesis"), dict) else None
        logger.exception("Metrics not put", extra={"error_code": aws.error_code(exc),
                                                   "records": len(records)})
        metrics.count("LambdaErrors")
        return {"batchItemFailures": [{"itemIdentifier": str(first)}] if first else []}
    invalid = sum(row["count"] for row in rows if row["event_type"] == INVALID)
    logger.info("Events aggregated", extra={"records": len(records), "rows": len(rows),
                                            "invalid": invalid})
    return {"batchItemFailures": []}
