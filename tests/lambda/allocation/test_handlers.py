"""The asset-allocation Lambdas against moto (tables built from systems/allocation/tables.toml):
submit -> optimize -> aggregate -> status/results, market data ingestion, the daily cleanup;
the request parser and the allocation rules fuzzed with hypothesis. Asynchronous invocations
are recorded (moto would need Docker to run a function)."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
from hypothesis import given, settings, strategies as st

REPO = Path(__file__).resolve().parents[3]
ROOT = REPO / "lambda" / "allocation"
if str(ROOT / "shared") not in sys.path:
    sys.path.insert(0, str(ROOT / "shared"))

from allocation_core import store  # noqa: E402
from allocation_core.model import RequestError, allocate, parse_request  # noqa: E402


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"allocation_{name}", ROOT / name / "handler.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


api, workers = load("api"), load("workers")
REQUEST = {"user_id": "u-1", "objective": "risk_parity", "max_weight": 0.6, "assets": [
    {"symbol": "EQ", "expected_return": 0.08, "volatility": 0.2},
    {"symbol": "BD", "expected_return": 0.03, "volatility": 0.05},
    {"symbol": "GD", "expected_return": 0.04, "volatility": 0.15}]}


@pytest.fixture
def aws(monkeypatch, allocation_tables, invocations):
    """moto with the system's tables and a market-data bucket; invokes are recorded."""
    boto3.client("s3").create_bucket(Bucket="market")
    for key, value in {"JOBS_TABLE": "optimization-jobs", "RESULTS_CACHE_TABLE": "results-cache",
                       "OPTIMIZER_FUNCTION": "optimizer", "AGGREGATOR_FUNCTION": "aggregator",
                       "RESULT_TTL_DAYS": "7", "JOB_RETENTION_DAYS": "90"}.items():
        monkeypatch.setenv(key, value)
    return invocations


def body(answer: dict) -> dict:
    return json.loads(answer["body"])


def test_submit_optimize_aggregate_then_status_and_result(aws):
    answer = api.submit({"body": json.dumps(REQUEST)})
    assert answer["statusCode"] == 202
    job_id = body(answer)["job_id"]
    assert aws.calls == [("optimizer", {"job_id": job_id})]
    assert body(api.status({"pathParameters": {"job_id": job_id}}))["status"] == "SUBMITTED"
    assert api.results({"pathParameters": {"job_id": job_id}})["statusCode"] == 409

    assert workers.optimize({"job_id": job_id}) == {"job_id": job_id, "status": "COMPLETED"}
    assert aws.calls[-1] == ("aggregator", {"user_id": "u-1"})
    assert body(api.status({"pathParameters": {"job_id": job_id}}))["status"] == "COMPLETED"
    result = body(api.results({"pathParameters": {"job_id": job_id}}))
    weights = result["weights"]
    assert abs(sum(weights.values()) - 1) < 1e-9 and max(weights.values()) <= 0.6 + 1e-9
    assert weights["BD"] == pytest.approx(0.6)  # lowest volatility, capped
    assert result["stats"]["volatility"] > 0

    summary = workers.aggregate({"user_id": "u-1"})
    assert summary["jobs"] == 1 and summary["mean_sharpe"] == pytest.approx(result["stats"]["sharpe"])
    assert store.get_result("summary#u-1")["jobs"] == 1


@pytest.mark.parametrize("event,status", [
    ({"body": "not json"}, 400),
    ({"body": json.dumps({**REQUEST, "objective": "yolo"})}, 400),
    ({"body": json.dumps({**REQUEST, "assets": REQUEST["assets"][:1]})}, 400),
    ({"body": json.dumps({**REQUEST, "max_weight": 0.2})}, 400),
])
def test_bad_requests_are_400_and_start_nothing(aws, event, status):
    assert api.submit(event)["statusCode"] == status
    assert aws.calls == []


def test_transitions_in_one_millisecond_are_all_kept(aws, monkeypatch):
    monkeypatch.setattr(store.time, "time", lambda: 1_700_000_000.0)
    for status in ("SUBMITTED", "RUNNING", "COMPLETED"):
        store.record_status("j", "u", status)
    items = store.jobs_table().scan()["Items"]
    assert sorted((int(i["timestamp"]), i["status"]) for i in items) == [
        (1_700_000_000_000, "SUBMITTED"), (1_700_000_000_001, "RUNNING"),
        (1_700_000_000_002, "COMPLETED")]
    assert store.latest_status("j")["status"] == "COMPLETED"


def test_unknown_jobs_are_404(aws):
    for handler in (api.status, api.results):
        assert handler({"pathParameters": {"job_id": str(uuid.uuid4())}})["statusCode"] == 404
        assert handler({"pathParameters": {"job_id": "../etc"}})["statusCode"] == 404


def test_ingest_summarizes_valid_and_invalid_files(aws):
    s3 = boto3.client("s3")
    s3.put_object(Bucket="market", Key="incoming/day 1.csv",
                  Body=b"symbol,date,price\nEQ,2026-01-02,101.5\nEQ,2026-01-03,102\nBD,2026-01-02,99\n")
    s3.put_object(Bucket="market", Key="incoming/bad.csv", Body=b"symbol,date,price\nEQ,2026-01-02,-1\n")
    event = {"Records": [{"s3": {"bucket": {"name": "market"}, "object": {"key": key}}}
                         for key in ("incoming/day+1.csv", "incoming/bad.csv")]}
    assert workers.ingest(event) == {"files": 2, "invalid": 1}
    good = json.loads(s3.get_object(Bucket="market", Key="curated/day 1.csv.summary.json")["Body"].read())
    assert good["symbols"] == {"EQ": 2, "BD": 1} and good["last_date"] == "2026-01-03"
    bad = json.loads(s3.get_object(Bucket="market", Key="curated/bad.csv.summary.json")["Body"].read())
    assert bad == {"source": "incoming/bad.csv", "valid": False, "error": "line 2: price must be positive"}


def test_cleanup_removes_only_finished_jobs_past_retention(aws):
    old = int((time.time() - 100 * 86400) * 1000)
    table = store.jobs_table()
    for job, records in {"done": ["SUBMITTED", "COMPLETED"], "stuck": ["SUBMITTED"]}.items():
        for offset, status in enumerate(records):
            table.put_item(Item={"job_id": job, "timestamp": old + offset, "user_id": "u",
                                 "status": status})
    table.put_item(Item={"job_id": "recent", "timestamp": old, "user_id": "u", "status": "SUBMITTED"})
    table.put_item(Item={"job_id": "recent", "timestamp": int(time.time() * 1000), "user_id": "u",
                         "status": "COMPLETED"})
    assert workers.cleanup({}) == {"deleted": 2, "jobs": 1}
    remaining = {i["job_id"] for i in table.scan()["Items"]}
    assert remaining == {"stuck", "recent"}


assets = st.lists(st.fixed_dictionaries({
    "symbol": st.text("ABCDEFGHIJ", min_size=1, max_size=4),
    "expected_return": st.floats(-1, 10), "volatility": st.floats(1e-4, 10)}),
    min_size=2, max_size=12, unique_by=lambda a: a["symbol"])


@settings(max_examples=150, deadline=None)
@given(assets=assets, objective=st.sampled_from(["risk_parity", "min_variance", "max_sharpe"]),
       cap=st.floats(0.01, 1))
def test_allocation_is_fully_invested_long_only_and_capped(assets, objective, cap):
    request = {"user_id": "u", "objective": objective, "max_weight": cap, "assets": assets}
    try:
        parsed = parse_request(request)
    except RequestError:
        assert cap * len(assets) < 1
        return
    weights = allocate(parsed)
    assert sum(weights.values()) == pytest.approx(1, abs=1e-6)
    assert all(-1e-12 <= w <= cap + 1e-9 for w in weights.values())


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["user_id", "objective", "assets", "max_weight", "symbol",
                                         "volatility", "expected_return", "x"]), inner, max_size=5),
                    max_leaves=20))
def test_parser_answers_request_error_or_a_request(value):
    try:
        parse_request(value)
    except RequestError as error:
        assert str(error)
