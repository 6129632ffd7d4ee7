"""The Glue job scripts' pure transformations (glue/scheduling/*.py), without a Glue runtime,
and the Athena SQL files: windows, row shapes, aggregation, tolerance to bad input (fuzzed)."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modules.config import REPO_ROOT

SCRIPTS = REPO_ROOT / "glue" / "scheduling"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"glue_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conversations = load("conversations_to_s3")
metrics = load("metrics_aggregation")


def turn(session: str, at_ms: int, role: str = "user", text: str = "hello there") -> dict:
    return {"session_id": {"S": session}, "timestamp": {"N": str(at_ms)}, "role": {"S": role},
            "text": {"S": text}, "expires_at": {"N": "1"}}


def test_the_export_takes_exactly_the_previous_utc_day():
    day, start, end = conversations.day_window(dt.date(2025, 1, 7))
    assert day == dt.date(2025, 1, 6)
    assert start == int(dt.datetime(2025, 1, 6, tzinfo=dt.timezone.utc).timestamp() * 1000)
    assert end - start == 86_400_000
    assert conversations.target_key("curated/conversations/", day) == "curated/conversations/dt=2025-01-06/turns.parquet"


def test_turns_become_rows_with_their_customer_and_no_text():
    _, start, end = conversations.day_window(dt.date(2025, 1, 7))
    sessions = conversations.sessions_index([
        {"session_id": {"S": "s1"}, "customer_id": {"S": "C1"}, "client_id": {"S": "K"}},
        {"session_id": {"S": "s2"}},  # no customer: not indexed
    ])
    rows = conversations.to_rows([
        turn("s1", start + 2000, "assistant", "Here are three slots"), turn("s1", start + 1000),
        turn("s2", start + 5), turn("s1", end), turn("s1", start - 1),       # outside the day
        {"session_id": {"S": "s1"}, "timestamp": {"N": "x"}, "role": {"S": "user"}},
        turn("s1", start + 9, "system"),
    ], sessions, start, end)
    assert [(r["session_id"], r["role"], r["customer_id"]) for r in rows] == [
        ("s1", "user", "C1"), ("s1", "assistant", "C1"), ("s2", "user", None)]
    assert rows[1]["words"] == 4 and rows[1]["chars"] == len("Here are three slots")
    assert set(rows[0]) == set(conversations.COLUMNS) and "text" not in rows[0]
    assert rows[0]["turn_at"] == "2025-01-06T00:00:01.000+00:00"


def test_metrics_hour_window_and_keys():
    hour = metrics.previous_hour(dt.datetime(2025, 1, 6, 10, 15, tzinfo=dt.timezone.utc))
    assert hour == dt.datetime(2025, 1, 6, 9, tzinfo=dt.timezone.utc)
    assert metrics.previous_hour(dt.datetime(2025, 1, 1, 0, 5)) == dt.datetime(2024, 12, 31, 23, tzinfo=dt.timezone.utc)
    assert metrics.source_prefix("raw/metrics/", hour) == "raw/metrics/year=2025/month=01/day=06/hour=09/"
    assert metrics.target_key("curated/metrics_hourly/", hour) == "curated/metrics_hourly/dt=2025-01-06/hour=09/metrics.parquet"


def test_metric_records_aggregate_per_environment_and_type():
    lines = "\n".join([
        json.dumps({"window_start": "10:00", "event_type": "note.added", "count": 3, "customers": 2, "environment": "s"}),
        json.dumps({"window_start": "10:01", "event_type": "note.added", "count": 1, "customers": 1, "environment": "s"}),
        json.dumps({"window_start": "10:01", "event_type": "report.generated", "count": 2, "customers": 5, "environment": "s"}),
        "garbage", json.dumps({"event_type": "x", "count": -1}), json.dumps({"event_type": "x", "count": True}),
    ])
    body = gzip.compress(lines.encode())
    rows = metrics.aggregate(metrics.parse_lines(metrics.read_object(body)))
    assert rows == [
        {"environment": "s", "event_type": "note.added", "events": 4, "active_minutes": 2, "peak_customers_per_minute": 2},
        {"environment": "s", "event_type": "report.generated", "events": 2, "active_minutes": 1,
         "peak_customers_per_minute": 5}]
    assert metrics.read_object(b'{"a": 1}') == '{"a": 1}'


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.dictionaries(
    st.sampled_from(["event_type", "count", "customers", "environment", "window_start"]),
    st.one_of(st.integers(-5, 50), st.text(max_size=8), st.none(), st.booleans()), max_size=5).map(json.dumps)),
    max_size=20))
def test_metric_parsing_and_aggregation_accept_any_lines(lines):
    records = metrics.parse_lines("\n".join(lines))
    rows = metrics.aggregate(records)
    assert sum(r["events"] for r in rows) == sum(r["count"] for r in records)
    assert all(r["events"] >= 0 and r["active_minutes"] >= 1 for r in rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["session_id", "timestamp", "role", "text"]), st.one_of(
    st.fixed_dictionaries({"S": st.sampled_from(["user", "assistant", "s1", "", "x y"])}),
    st.fixed_dictionaries({"N": st.one_of(st.integers(0, 3 * 86_400_000).map(str), st.text(max_size=4))}),
    st.text(max_size=3), st.none()), max_size=4), max_size=15))
def test_turn_conversion_accepts_any_items(items):
    rows = conversations.to_rows(items, {}, 86_400_000, 2 * 86_400_000)
    assert all(86_400_000 <= r["turn_ms"] < 2 * 86_400_000 and r["role"] in ("user", "assistant") for r in rows)


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "athena" / "scheduling").glob("*.sql")), ids=lambda p: p.stem)
def test_the_sample_queries_read_the_crawled_tables(path: Path):
    sql = path.read_text()
    assert sql.startswith("-- ") and "SELECT" in sql
    assert any(f"FROM {table}" in sql for table in ("conversations", "events", "metrics_hourly"))
