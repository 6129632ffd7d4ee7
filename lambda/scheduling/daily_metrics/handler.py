"""Daily usage summary and secret ages (EventBridge schedule, cron 09:00 UTC, Phase 2).

1. Usage: yesterday's (UTC) PF/Bedrock AgentInvocationCount (Sum) and AgentResponseTime
   (Average) for Environment=$ENVIRONMENT, read with CloudWatch GetMetricData, written to
   METRICS_TABLE (partition agent_id S, sort timestamp N = epoch seconds of the day's start) as
   one item per agent: agent_id "supervisor" (the chat API invokes the supervisor),
   invocations, avg_response_ms, day (YYYY-MM-DD), environment, generated_at.
2. Secret ages: for each ARN in SECRET_ARNS (comma-separated) the SecretAgeDays metric
   (PF/Lambda, dimensions Environment and SecretName), from DescribeSecret's LastChangedDate
   (else CreatedDate). Secrets nobody can rotate automatically get an age alarm instead.

"Yesterday" is the day before the scheduled event's `time` (else before now). An event with
"day": "YYYY-MM-DD" (top level or in "detail") recomputes that day instead (a backfill).

Returns {"status": "ok" | "error", "day", "agents_written", "secrets_reported", "errors"};
never raises. Any error is logged, counted in `errors`, and the run counts one LambdaErrors.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from pf_actions import aws, metrics
from pf_actions.log import logger
from pf_actions.tracing import capture_handler

AGENT_ID = "supervisor"
NAMESPACE = metrics.BEDROCK_NAMESPACE
MAX_BACKFILL_DAYS = 455  # CloudWatch keeps 1-day data points that long


class _BadRequest(Exception):
    pass


@capture_handler
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {"status": "ok", "agents_written": 0, "secrets_reported": 0, "errors": 0}
    with logger.append_context_keys(request_id=getattr(context, "aws_request_id", None)):
        now = dt.datetime.now(dt.UTC)
        try:
            day = report_day(event, now)
        except _BadRequest as exc:
            day = None
            summary["errors"] += 1
            logger.error("Invalid day requested", extra={"reason": str(exc)})
        if day is not None:
            summary["day"] = day.isoformat()
            _step(summary, "usage", lambda: _write_usage(summary, day, now))
        _step(summary, "secret ages", lambda: _report_secret_ages(summary, now))
        if summary["errors"]:
            summary["status"] = "error"
            metrics.count("LambdaErrors")
        logger.info("Daily metrics finished", extra=summary)
    return summary


def _step(summary: dict[str, Any], name: str, run: Any) -> None:
    try:
        run()
    except Exception as exc:
        summary["errors"] += 1
        logger.exception(f"Daily metrics: {name} failed", extra={"error_code": aws.error_code(exc)})


def report_day(event: Any, now: dt.datetime) -> dt.date:
    """The day to summarise: the requested one, else the day before the event's time (or now)."""
    yesterday = now.date() - dt.timedelta(days=1)
    requested = _field(event, "day")
    if requested is None:
        scheduled = _field(event, "time")
        try:
            at = dt.datetime.fromisoformat(scheduled) if isinstance(scheduled, str) else None
        except ValueError:
            at = None
        if at is not None and at.tzinfo is not None and at <= now:
            return at.astimezone(dt.UTC).date() - dt.timedelta(days=1)
        return yesterday
    if not isinstance(requested, str):
        raise _BadRequest("day must be a YYYY-MM-DD string")
    try:
        day = dt.date.fromisoformat(requested)
    except ValueError:
        raise _BadRequest("day must be a YYYY-MM-DD date") from None
    if not yesterday - dt.timedelta(days=MAX_BACKFILL_DAYS) <= day <= yesterday:
        raise _BadRequest(f"day must be a complete day of the last {MAX_BACKFILL_DAYS} days")
    return day


def _field(event: Any, name: str) -> Any:
    if not isinstance(event, Mapping):
        return None
    if name in event:
        return event[name]
    detail = event.get("detail")
    return detail.get(name) if isinstance(detail, Mapping) else None


# Usage


def _write_usage(summary: dict[str, Any], day: dt.date, now: dt.datetime) -> None:
    table = os.environ.get("METRICS_TABLE", "").strip()
    environment = metrics.environment()
    if not table or not environment:
        missing = [name for name, value in (("METRICS_TABLE", table), ("ENVIRONMENT", environment)) if not value]
        raise RuntimeError(f"not configured (missing {', '.join(missing)})")
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    values = usage(environment, start, start + dt.timedelta(days=1))
    invocations = int(values.get("invocations", 0.0))
    avg_ms = round(values.get("avg_response_ms", 0.0), 1)
    aws.client("dynamodb").put_item(
        TableName=table,
        Item={
            "agent_id": {"S": AGENT_ID},
            "timestamp": {"N": str(int(start.timestamp()))},
            "day": {"S": day.isoformat()},
            "environment": {"S": environment},
            "invocations": {"N": str(invocations)},
            "avg_response_ms": {"N": str(avg_ms)},
            "generated_at": {"N": str(int(now.timestamp()))},
        },
    )
    summary["agents_written"] += 1
    summary["invocations"] = invocations
    summary["avg_response_ms"] = avg_ms


def usage(environment: str, start: dt.datetime, end: dt.datetime) -> dict[str, float]:
    """{"invocations": Sum, "avg_response_ms": Average} over [start, end); absent without data."""
    dimensions = [{"Name": "Environment", "Value": environment}]

    def query(query_id: str, metric: str, stat: str) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": dimensions},
                "Period": int((end - start).total_seconds()),
                "Stat": stat,
            },
            "ReturnData": True,
        }

    queries = [
        query("invocations", "AgentInvocationCount", "Sum"),
        query("avg_response_ms", "AgentResponseTime", "Average"),
    ]
    found: dict[str, list[float]] = {}
    kwargs: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
    cloudwatch = aws.client("cloudwatch")
    while True:
        page = cloudwatch.get_metric_data(**kwargs)
        for result in page.get("MetricDataResults", []):
            found.setdefault(result["Id"], []).extend(result.get("Values", []))
        token = page.get("NextToken")
        if not token:
            break
        kwargs["NextToken"] = token
    values: dict[str, float] = {}
    if found.get("invocations"):
        values["invocations"] = float(sum(found["invocations"]))
    if found.get("avg_response_ms"):  # one data point for the one period; average them otherwise
        points = found["avg_response_ms"]
        values["avg_response_ms"] = float(sum(points) / len(points))
    return values


# Secret ages


def _report_secret_ages(summary: dict[str, Any], now: dt.datetime) -> None:
    arns = [arn.strip() for arn in os.environ.get("SECRET_ARNS", "").split(",") if arn.strip()]
    for arn in arns:
        try:
            name, age_days = secret_age(arn, now)
        except Exception as exc:
            summary["errors"] += 1
            logger.warning("Could not describe a secret", extra={"secret_arn": arn, "error_code": aws.error_code(exc)})
            continue
        metrics.emit("SecretAgeDays", age_days, SecretName=name)
        logger.info("Secret age", extra={"secret_name": name, "age_days": age_days})
        summary["secrets_reported"] += 1


def secret_age(arn: str, now: dt.datetime) -> tuple[str, float]:
    """(secret name, days since its last change) from DescribeSecret."""
    described = aws.client("secretsmanager", aws.region_of(arn)).describe_secret(SecretId=arn)
    changed = described.get("LastChangedDate") or described.get("CreatedDate")
    if not isinstance(changed, dt.datetime):
        raise ValueError("DescribeSecret gave no LastChangedDate or CreatedDate")
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=dt.UTC)
    age_days = max(0.0, (now - changed).total_seconds() / 86400)
    return str(described.get("Name") or arn), round(age_days, 2)
