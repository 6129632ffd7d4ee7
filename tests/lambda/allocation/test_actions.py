"""The agents' action groups (lambda/allocation/<group>/handler.py) against moto: market
statistics from a price file in the market-data bucket, value at risk of a job's result and of
weights over a price file, job submission into the jobs table; the Bedrock envelope fuzzed with
hypothesis; the committed schemas equal what the handlers generate."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import boto3
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

REPO = Path(__file__).resolve().parents[3]
ROOT = REPO / "lambda" / "allocation"
if str(ROOT / "shared") not in sys.path:
    sys.path.insert(0, str(ROOT / "shared"))

from allocation_core import market, store  # noqa: E402


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


analysis = load(ROOT / "market_analysis" / "handler.py", "allocation_market_analysis")
risk = load(ROOT / "risk_assessment" / "handler.py", "allocation_risk_assessment")
optimizer = load(ROOT / "strategy_optimizer" / "handler.py", "allocation_strategy_optimizer")
generator = load(ROOT / "generate_schemas.py", "allocation_generate_schemas")
workers = load(ROOT / "workers" / "handler.py", "allocation_workers_for_actions")

PRICES = "symbol,date,price\n" + "".join(
    f"{symbol},2024-01-{day:02d},{price}\n" for symbol, series in (
        ("EQ", (100, 110, 99, 104.5, 120)), ("BD", (50, 50.5, 51, 50.8, 51.2)))
    for day, price in enumerate(series, start=1))
ASSETS = [{"symbol": "EQ", "expected_return": 0.08, "volatility": 0.2},
          {"symbol": "BD", "expected_return": 0.03, "volatility": 0.05}]


def event(path: str, method: str = "GET", parameters: dict | None = None,
          body: dict | None = None, group: str = "g") -> dict:
    message = {"messageVersion": "1.0", "actionGroup": group, "apiPath": path, "httpMethod": method,
               "sessionAttributes": {"user": "u-1"},
               "parameters": [{"name": k, "type": "string", "value": str(v)}
                              for k, v in (parameters or {}).items()]}
    if body is not None:
        message["requestBody"] = {"content": {"application/json": {"properties": [
            {"name": k, "type": "string", "value": str(v)} for k, v in body.items()]}}}
    return message


def answer(response: dict) -> tuple[int, dict]:
    inner = response["response"]
    return inner["httpStatusCode"], json.loads(inner["responseBody"]["application/json"]["body"])


@pytest.fixture
def aws(monkeypatch, allocation_tables, invocations):
    """moto with the system's tables and a market-data bucket of price files."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="market")
    s3.put_object(Bucket="market", Key="incoming/prices.csv", Body=PRICES.encode())
    s3.put_object(Bucket="market", Key="incoming/bad.csv", Body=b"a,b\n1,2\n")
    s3.put_object(Bucket="market", Key="curated/prices.csv.summary.json", Body=b"{}")
    for key, value in {"JOBS_TABLE": "optimization-jobs", "RESULTS_CACHE_TABLE": "results-cache",
                       "OPTIMIZER_FUNCTION": "optimizer", "MARKET_DATA_BUCKET": "market",
                       "RESULT_TTL_DAYS": "7"}.items():
        monkeypatch.setenv(key, value)
    return invocations


def test_market_files_and_statistics(aws):
    status, body = answer(analysis.lambda_handler(event("/market-data/files")))
    assert status == 200 and [f["key"] for f in body["files"]] == ["incoming/bad.csv", "incoming/prices.csv"]
    status, body = answer(analysis.lambda_handler(event(
        "/market-data/statistics", parameters={"key": "incoming/prices.csv"})))
    assert status == 200
    eq = body["statistics"]["EQ"]
    assert eq["observations"] == 5 and eq["total_return"] == pytest.approx(0.2)
    assert eq["max_drawdown"] == pytest.approx(0.1)  # 110 -> 99
    assert eq["annualized_volatility"] > body["statistics"]["BD"]["annualized_volatility"]
    (pair,) = body["correlations"]
    assert (pair["a"], pair["b"]) == ("BD", "EQ") and -1 <= pair["correlation"] <= 1


def test_market_statistics_errors(aws):
    cases = [({"key": "incoming/missing.csv"}, 404), ({"key": "incoming/bad.csv"}, 400),
             ({"key": "curated/prices.csv.summary.json"}, 400),  # outside incoming/: refused
             ({"key": "incoming/prices.csv", "symbols": "EQ,XX"}, 404), ({}, 400)]
    for parameters, expected in cases:
        status, body = answer(analysis.lambda_handler(event("/market-data/statistics",
                                                            parameters=parameters)))
        assert status == expected, (parameters, body)
        assert body["statusCode"] == expected and body["message"]


def test_submit_then_status_then_job_risk(aws):
    status, body = answer(optimizer.lambda_handler(event("/optimizations", "POST", body={
        "user_id": "u-1", "objective": "min_variance", "assets": json.dumps(ASSETS),
        "max_weight": 0.9})))
    assert status == 200 and body["status"] == "SUBMITTED"
    job_id = body["job_id"]
    assert aws.calls == [("optimizer", {"job_id": job_id})]
    assert store.first_record(job_id)["request"]["max_weight"] == 0.9
    status, body = answer(risk.lambda_handler(event("/jobs/{job_id}/risk",
                                                    parameters={"job_id": job_id})))
    assert status == 404  # no result yet

    workers.optimize({"job_id": job_id})
    status, body = answer(optimizer.lambda_handler(event("/optimizations/{job_id}",
                                                         parameters={"job_id": job_id})))
    assert status == 200 and body["status"] == "COMPLETED"
    assert sum(body["weights"].values()) == pytest.approx(1)
    status, body = answer(risk.lambda_handler(event("/jobs/{job_id}/risk", parameters={
        "job_id": job_id, "confidence": 0.99, "horizon_days": 10, "portfolio_value": 1000})))
    assert status == 200
    expected = market.parametric_var(body["stats"]["expected_return"], body["stats"]["volatility"],
                                     0.99, 10)
    assert body["var"] == expected["var"] > 0
    assert body["var_usd"] == pytest.approx(expected["var"] * 1000, abs=0.01)
    assert body["expected_shortfall"] > body["var"]


def test_submission_rejects_bad_requests(aws):
    for assets in ("not json", json.dumps(ASSETS[:1]), json.dumps([ASSETS[0], ASSETS[0]])):
        status, body = answer(optimizer.lambda_handler(event("/optimizations", "POST", body={
            "user_id": "u-1", "objective": "max_sharpe", "assets": assets})))
        assert status == 400 and body["message"], assets
    status, _ = answer(optimizer.lambda_handler(event("/optimizations", "POST", body={
        "user_id": "u-1", "objective": "best", "assets": json.dumps(ASSETS)})))
    assert status == 400
    assert aws.calls == []
    status, _ = answer(optimizer.lambda_handler(event("/optimizations/{job_id}", parameters={
        "job_id": "00000000-0000-0000-0000-000000000000"})))
    assert status == 404


def test_historical_portfolio_risk(aws):
    status, body = answer(risk.lambda_handler(event("/portfolio/risk", "POST", body={
        "key": "incoming/prices.csv", "weights": "EQ=0.5,BD=0.5", "confidence": 0.95})))
    assert status == 200 and body["observations"] == 5
    values = market.portfolio_values(market.parse_prices(PRICES), {"EQ": 0.5, "BD": 0.5})
    assert body["max_drawdown"] == pytest.approx(market.max_drawdown(values))
    assert body["var"] == pytest.approx(-min(market.returns(values)))
    for weights, expected in (("EQ=0.5,BD=0.4", 400), ("EQ=0.5,XX=0.5", 400), ("EQ", 400)):
        status, _ = answer(risk.lambda_handler(event("/portfolio/risk", "POST", body={
            "key": "incoming/prices.csv", "weights": weights})))
        assert status == expected, weights


def test_unknown_operation_and_session_attributes(aws):
    response = risk.lambda_handler(event("/nothing", "DELETE"))
    assert answer(response)[0] == 404 and response["sessionAttributes"] == {"user": "u-1"}


def test_drawdown_and_var_arithmetic():
    assert market.max_drawdown([1, 2, 1, 3, 1.5]) == pytest.approx(0.5)
    assert market.max_drawdown([1, 2, 3]) == 0
    # 1.645 sigma at 95 %, one year, no drift.
    assert market.parametric_var(0.0, 0.2, 0.95, 252)["var"] == pytest.approx(0.2 * 1.6448536, rel=1e-6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers()),
                 st.dictionaries(st.sampled_from(["apiPath", "httpMethod", "parameters", "requestBody",
                                                  "sessionAttributes", "actionGroup"]),
                                 st.one_of(st.none(), st.text(), st.integers(),
                                           st.lists(st.dictionaries(st.text(), st.text()))))))
def test_any_event_gets_a_bedrock_answer(payload):
    for module in (analysis, risk, optimizer):
        status, body = answer(module.lambda_handler(payload))
        assert status in (400, 404, 500) and body["statusCode"] == status


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0.01, max_value=1e6, allow_nan=False), min_size=2, max_size=60),
       st.floats(min_value=0.9, max_value=0.999))
def test_risk_measures_are_bounded(prices, confidence):
    drawdown = market.max_drawdown(prices)
    assert 0 <= drawdown < 1
    risk_measures = market.historical_var(prices, confidence)
    assert 0 <= risk_measures["var"] <= risk_measures["expected_shortfall"] + 1e-12
    assert risk_measures["expected_shortfall"] <= 1  # a long position loses at most its value


@given(st.text(max_size=40))
def test_weights_parser_accepts_only_full_allocations(text):
    try:
        weights = risk.parse_weights(text)
    except Exception as error:  # noqa: BLE001 - only ActionError may come out
        assert type(error).__name__ == "ActionError"
    else:
        assert abs(sum(weights.values()) - 1) <= 1e-3 and all(0 <= w <= 1 for w in weights.values())


def test_committed_schemas_are_generated_and_match_the_routes():
    from modules.lambda_package import schema_key

    assert generator.schema_key("x") == schema_key("x")
    assert generator.stale() == {}
    for group, module in (("market_analysis", analysis), ("risk_assessment", risk),
                          ("strategy_optimizer", optimizer)):
        schema = json.loads((ROOT / "schemas" / schema_key(group)).read_text())
        operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
        assert operations == {op.operation_id for op in module.GROUP.operations}
        for path in schema["paths"].values():
            for op in path.values():
                assert op["description"] and "200" in op["responses"]
