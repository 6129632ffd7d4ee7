"""The asynchronous functions: `optimize` (compute a submitted job's allocation), `aggregate`
(a user's latest results summarized in the cache), `ingest` (market data files dropped in the
bucket, checked and summarized) and `cleanup` (daily: finished jobs past the retention)."""

from __future__ import annotations

import csv
import io
import json
import os
import time
import urllib.parse

import boto3
from boto3.dynamodb.conditions import Attr

from allocation_core import store
from allocation_core.model import RequestError, allocate, parse_request, portfolio_stats

CURATED_PREFIX = "curated/"


def _ttl_days() -> int:
    return int(os.environ.get("RESULT_TTL_DAYS", "7"))


def optimize(event, context=None):
    job_id = event["job_id"]
    first = store.first_record(job_id)
    if first is None:
        raise ValueError(f"job {job_id} does not exist")
    user_id = first["user_id"]
    store.record_status(job_id, user_id, "RUNNING")
    try:
        request = parse_request(first.get("request"))
    except RequestError as error:
        store.record_status(job_id, user_id, "FAILED", error=str(error))
        return {"job_id": job_id, "status": "FAILED"}
    weights = allocate(request)
    stats = portfolio_stats(request, weights)
    store.put_result(f"job#{job_id}", {"job_id": job_id, "user_id": user_id, "weights": weights,
                                       "stats": stats}, _ttl_days())
    store.record_status(job_id, user_id, "COMPLETED")
    if os.environ.get("AGGREGATOR_FUNCTION"):
        boto3.client("lambda").invoke(
            FunctionName=os.environ["AGGREGATOR_FUNCTION"], InvocationType="Event",
            Payload=json.dumps({"user_id": user_id}).encode())
    return {"job_id": job_id, "status": "COMPLETED"}


def aggregate(event, context=None):
    """Summary of the user's completed jobs still in the cache: count and average stats."""
    user_id = event["user_id"]
    completed = {j["job_id"] for j in store.user_jobs(user_id) if j["status"] == "COMPLETED"}
    results = [r for r in (store.get_result(f"job#{job_id}") for job_id in sorted(completed)) if r]
    summary = {"user_id": user_id, "jobs": len(results)}
    for stat in ("expected_return", "volatility", "sharpe"):
        values = [r["stats"][stat] for r in results]
        summary[f"mean_{stat}"] = round(sum(values) / len(values), 10) if values else None
    store.put_result(f"summary#{user_id}", summary, _ttl_days())
    return summary


def _check_prices(text: str) -> dict:
    """A market data CSV: header symbol,date,price; every price positive."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or set(rows[0]) != {"symbol", "date", "price"}:
        raise ValueError("expected the columns symbol,date,price")
    symbols: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        try:
            price = float(row["price"])
        except (TypeError, ValueError):
            raise ValueError(f"line {number}: price is not a number") from None
        if not price > 0:
            raise ValueError(f"line {number}: price must be positive")
        symbols[row["symbol"]] = symbols.get(row["symbol"], 0) + 1
    dates = sorted(row["date"] for row in rows)
    return {"rows": len(rows), "symbols": symbols, "first_date": dates[0], "last_date": dates[-1]}


def ingest(event, context=None):
    s3 = boto3.client("s3")
    summaries = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        try:
            summary = {"source": key, "valid": True, **_check_prices(body)}
        except ValueError as error:
            summary = {"source": key, "valid": False, "error": str(error)}
        name = key.rsplit("/", 1)[-1]
        s3.put_object(Bucket=bucket, Key=f"{CURATED_PREFIX}{name}.summary.json",
                      Body=json.dumps(summary).encode(), ContentType="application/json")
        summaries.append(summary)
    return {"files": len(summaries), "invalid": sum(not s["valid"] for s in summaries)}


def cleanup(event, context=None):
    """Delete the status records of jobs that finished more than JOB_RETENTION_DAYS ago."""
    cutoff = int((time.time() - int(os.environ.get("JOB_RETENTION_DAYS", "90")) * 86400) * 1000)
    table = store.jobs_table()
    finished, records = set(), []
    kwargs = {"FilterExpression": Attr("timestamp").lt(cutoff)}
    while True:
        page = table.scan(**kwargs)
        for item in page.get("Items", []):
            records.append((item["job_id"], item["timestamp"]))
            if item["status"] in store.TERMINAL:
                finished.add(item["job_id"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    deleted = 0
    with table.batch_writer() as batch:
        for job_id, timestamp in records:
            if job_id in finished:
                batch.delete_item(Key={"job_id": job_id, "timestamp": timestamp})
                deleted += 1
    return {"deleted": deleted, "jobs": len(finished)}
