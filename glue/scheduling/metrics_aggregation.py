"""Glue Python shell job `pf-metrics-aggregation-<env>` (hourly): the previous hour of the
real-time metrics to one Parquet file per hour.

The specification names CloudWatch Logs as the source, which Glue cannot read; the metrics are
taken from where Firehose archives the metrics stream instead:
`s3://<analytics bucket>/<SOURCE_PREFIX>year=YYYY/month=MM/day=DD/hour=HH/` (GZIP, one JSON
metric record per line: window_start, event_type, count, customers, environment). Target:
`s3://<analytics bucket>/<TARGET_PREFIX>dt=YYYY-MM-DD/hour=HH/metrics.parquet` with columns
environment, event_type, events, active_minutes, peak_customers_per_minute. Distinct customers
cannot be added up across minutes, so the hour keeps the busiest minute's count.

Arguments: --BUCKET, --SOURCE_PREFIX, --TARGET_PREFIX, optionally --RUN_AT (ISO time: the hour
before it is aggregated; default now, UTC). Re-running an hour overwrites its file.
The functions above `main` are pure and unit-tested without Glue.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

COLUMNS = ("environment", "event_type", "events", "active_minutes", "peak_customers_per_minute")


def previous_hour(run_at: dt.datetime) -> dt.datetime:
    """The start of the full hour before `run_at`, UTC."""
    if run_at.tzinfo is None:
        run_at = run_at.replace(tzinfo=dt.timezone.utc)
    start = run_at.astimezone(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    return start - dt.timedelta(hours=1)


def source_prefix(prefix: str, hour: dt.datetime) -> str:
    return f"{prefix}year={hour:%Y}/month={hour:%m}/day={hour:%d}/hour={hour:%H}/"


def target_key(prefix: str, hour: dt.datetime) -> str:
    return f"{prefix}dt={hour:%Y-%m-%d}/hour={hour:%H}/metrics.parquet"


def parse_lines(text: str) -> list[dict[str, Any]]:
    """The metric records of one archive object; lines that are not one are skipped."""
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if (isinstance(record, dict) and isinstance(record.get("event_type"), str)
                and isinstance(record.get("count"), int) and not isinstance(record.get("count"), bool)
                and record["count"] >= 0):
            records.append(record)
    return records


def aggregate(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (environment, event_type), sorted."""
    events: dict[tuple[str, str], int] = defaultdict(int)
    minutes: dict[tuple[str, str], set[str]] = defaultdict(set)
    peak: dict[tuple[str, str], int] = defaultdict(int)
    for record in records:
        key = (str(record.get("environment") or ""), record["event_type"])
        events[key] += record["count"]
        minutes[key].add(str(record.get("window_start")))
        customers = record.get("customers")
        if isinstance(customers, int) and not isinstance(customers, bool):
            peak[key] = max(peak[key], customers)
    return [{"environment": env, "event_type": kind, "events": events[(env, kind)],
             "active_minutes": len(minutes[(env, kind)]),
             "peak_customers_per_minute": peak[(env, kind)]}
            for env, kind in sorted(events)]


def read_object(body: bytes) -> str:
    """Firehose writes GZIP; an uncompressed object is read as it is."""
    return (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body).decode("utf-8", "replace")


def main(argv: list[str]) -> None:  # pragma: no cover - runs in Glue
    import boto3
    import pandas as pd
    from awsglue.utils import getResolvedOptions

    names = ["BUCKET", "SOURCE_PREFIX", "TARGET_PREFIX"]
    args = getResolvedOptions(argv, names + (["RUN_AT"] if "--RUN_AT" in argv else []))
    run_at = dt.datetime.fromisoformat(args["RUN_AT"]) if "RUN_AT" in args else dt.datetime.now(dt.timezone.utc)
    hour = previous_hour(run_at)
    s3 = boto3.client("s3")
    records: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=args["BUCKET"], Prefix=source_prefix(args["SOURCE_PREFIX"], hour)):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=args["BUCKET"], Key=item["Key"])["Body"].read()
            records += parse_lines(read_object(body))
    rows = aggregate(records)
    buffer = io.BytesIO()
    pd.DataFrame(rows, columns=list(COLUMNS)).to_parquet(buffer, index=False)
    s3.put_object(Bucket=args["BUCKET"], Key=target_key(args["TARGET_PREFIX"], hour), Body=buffer.getvalue())
    print(f"aggregated {len(records)} metric records of {hour:%Y-%m-%d %H}:00 into {len(rows)} rows")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv)
