"""Glue Python shell job `pf-conversations-to-s3-<env>` (daily): yesterday's conversation turns
from DynamoDB to Parquet in the analytics bucket, one partition per day.

Source: the conversation-history table (session_id, timestamp in epoch ms, role, text) joined
with the session-state table for the customer of each session. Target:
`s3://<analytics bucket>/<TARGET_PREFIX>dt=YYYY-MM-DD/turns.parquet` with columns
session_id, customer_id, client_id, role, turn_at (ISO UTC), turn_ms, chars, words.
The text itself is not exported: the analyses need engagement, not what customers wrote, and
the data lake keeps no customer messages beyond the table's own 30-day TTL.

Arguments: --CONVERSATION_TABLE, --SESSION_TABLE, --TARGET_BUCKET, --TARGET_PREFIX and
optionally --RUN_DATE (YYYY-MM-DD: export the day before it; default today, UTC).
The functions above `main` are pure and unit-tested without Glue.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Iterable
from typing import Any

DAY_MS = 86_400_000
COLUMNS = ("session_id", "customer_id", "client_id", "role", "turn_at", "turn_ms", "chars", "words")


def day_window(run_date: dt.date) -> tuple[dt.date, int, int]:
    """The day before `run_date` and its [start, end) in epoch milliseconds, UTC."""
    day = run_date - dt.timedelta(days=1)
    start = int(dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp() * 1000)
    return day, start, start + DAY_MS


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if isinstance(value, dict) and isinstance(value.get("S"), str) else None


def _number(item: dict[str, Any], name: str) -> int | None:
    value = item.get(name)
    raw = value.get("N") if isinstance(value, dict) else None
    try:
        return int(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def sessions_index(items: Iterable[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """session_id -> (customer_id, client_id), from session-state items (DynamoDB JSON)."""
    index = {}
    for item in items:
        session, customer, client = (_text(item, k) for k in ("session_id", "customer_id", "client_id"))
        if session and customer:
            index[session] = (customer, client or "")
    return index


def to_rows(turns: Iterable[dict[str, Any]], sessions: dict[str, tuple[str, str]],
            start_ms: int, end_ms: int) -> list[dict[str, Any]]:
    """Rows of the turns in [start_ms, end_ms), sorted by session and time; malformed items
    (no session, no timestamp, unknown role) are left out."""
    rows = []
    for item in turns:
        session, role, at = _text(item, "session_id"), _text(item, "role"), _number(item, "timestamp")
        if not session or role not in ("user", "assistant") or at is None or not start_ms <= at < end_ms:
            continue
        text = _text(item, "text") or ""
        customer, client = sessions.get(session, (None, None))
        rows.append({
            "session_id": session, "customer_id": customer, "client_id": client, "role": role,
            "turn_at": dt.datetime.fromtimestamp(at / 1000, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "turn_ms": at, "chars": len(text), "words": len(text.split()),
        })
    return sorted(rows, key=lambda r: (r["session_id"], r["turn_ms"], r["role"]))


def target_key(prefix: str, day: dt.date) -> str:
    return f"{prefix}dt={day.isoformat()}/turns.parquet"


def _scan(client: Any, table: str, **kwargs: Any) -> Iterable[dict[str, Any]]:
    for page in client.get_paginator("scan").paginate(TableName=table, **kwargs):
        yield from page.get("Items", [])


def main(argv: list[str]) -> None:  # pragma: no cover - runs in Glue
    import boto3
    import pandas as pd
    from awsglue.utils import getResolvedOptions

    names = ["CONVERSATION_TABLE", "SESSION_TABLE", "TARGET_BUCKET", "TARGET_PREFIX"]
    args = getResolvedOptions(argv, names + (["RUN_DATE"] if "--RUN_DATE" in argv else []))
    run_date = dt.date.fromisoformat(args["RUN_DATE"]) if "RUN_DATE" in args else dt.datetime.now(dt.timezone.utc).date()
    day, start, end = day_window(run_date)
    dynamodb = boto3.client("dynamodb")
    sessions = sessions_index(_scan(dynamodb, args["SESSION_TABLE"]))
    turns = _scan(dynamodb, args["CONVERSATION_TABLE"],
                  FilterExpression="#t >= :s AND #t < :e", ExpressionAttributeNames={"#t": "timestamp"},
                  ExpressionAttributeValues={":s": {"N": str(start)}, ":e": {"N": str(end)}})
    rows = to_rows(turns, sessions, start, end)
    buffer = io.BytesIO()
    pd.DataFrame(rows, columns=list(COLUMNS)).to_parquet(buffer, index=False)
    boto3.client("s3").put_object(Bucket=args["TARGET_BUCKET"], Key=target_key(args["TARGET_PREFIX"], day),
                                  Body=buffer.getvalue())
    print(f"exported {len(rows)} turns of {day}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv)
