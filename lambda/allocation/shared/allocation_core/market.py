"""Market data arithmetic of the agents' actions: price files (CSV symbol,date,price, as the
ingestion function checks them) read from the market-data bucket, daily returns, annualized
statistics, drawdown and value at risk. Standard library only."""

from __future__ import annotations

import csv
import io
import math
import os
from statistics import NormalDist

import boto3

TRADING_DAYS = 252
#: Object keys the actions may read: price files under incoming/ (the ingestion trigger's prefix).
KEY_PATTERN = r"^incoming/[A-Za-z0-9._/-]{1,200}\.csv$"
MAX_OBJECT_BYTES = 5 * 1024 * 1024


class MarketDataError(ValueError):
    """The object is missing or not a price file; the message says why."""


def read_object(key: str) -> str:
    s3 = boto3.client("s3")
    bucket = os.environ["MARKET_DATA_BUCKET"]
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise FileNotFoundError(key) from None
        raise
    if head["ContentLength"] > MAX_OBJECT_BYTES:
        raise MarketDataError(f"{key} is larger than {MAX_OBJECT_BYTES // 1024 // 1024} MB")
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


def list_files(limit: int = 50) -> list[dict]:
    answer = boto3.client("s3").list_objects_v2(Bucket=os.environ["MARKET_DATA_BUCKET"],
                                                Prefix="incoming/", MaxKeys=limit)
    return [{"key": o["Key"], "size": o["Size"], "last_modified": o["LastModified"].isoformat()}
            for o in answer.get("Contents", []) if o["Key"].endswith(".csv")]


def parse_prices(text: str) -> dict[str, list[float]]:
    """Symbol -> prices in date order."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or set(rows[0]) != {"symbol", "date", "price"}:
        raise MarketDataError("expected the columns symbol,date,price")
    series: dict[str, list[tuple[str, float]]] = {}
    for number, row in enumerate(rows, start=2):
        try:
            price = float(row["price"])
        except (TypeError, ValueError):
            raise MarketDataError(f"line {number}: price is not a number") from None
        if not (math.isfinite(price) and price > 0):
            raise MarketDataError(f"line {number}: price must be positive")
        series.setdefault(row["symbol"], []).append((row["date"], price))
    return {symbol: [p for _, p in sorted(points)] for symbol, points in series.items()}


def returns(prices: list[float]) -> list[float]:
    return [b / a - 1 for a, b in zip(prices, prices[1:])]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _stdev(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = _mean(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def max_drawdown(prices: list[float]) -> float:
    """Largest fall from a running peak, as a positive fraction (0 when prices never fall)."""
    peak, worst = -math.inf, 0.0
    for price in prices:
        peak = max(peak, price)
        worst = max(worst, 1 - price / peak)
    return worst


def statistics(prices: list[float]) -> dict[str, float]:
    daily = returns(prices)
    return {"observations": len(prices),
            "total_return": round(prices[-1] / prices[0] - 1, 10),
            "annualized_return": round(_mean(daily) * TRADING_DAYS, 10),
            "annualized_volatility": round(_stdev(daily) * math.sqrt(TRADING_DAYS), 10),
            "max_drawdown": round(max_drawdown(prices), 10)}


def correlation(a: list[float], b: list[float]) -> float | None:
    n = min(len(a), len(b))
    a, b = a[-n:], b[-n:]
    sa, sb = _stdev(a), _stdev(b)
    if n < 2 or sa == 0 or sb == 0:
        return None
    ma, mb = _mean(a), _mean(b)
    return round(sum((x - ma) * (y - mb) for x, y in zip(a, b)) / ((n - 1) * sa * sb), 10)


def portfolio_values(prices: dict[str, list[float]], weights: dict[str, float]) -> list[float]:
    """Value of 1 invested at the first common date with `weights`, held (no rebalancing)."""
    missing = sorted(set(weights) - set(prices))
    if missing:
        raise MarketDataError(f"no prices for {', '.join(missing)}")
    n = min(len(prices[s]) for s in weights)
    if n < 2:
        raise MarketDataError("at least two prices per symbol are needed")
    series = {s: prices[s][-n:] for s in weights}
    return [sum(w * series[s][i] / series[s][0] for s, w in weights.items()) for i in range(n)]


def historical_var(values: list[float], confidence: float) -> dict[str, float]:
    """One-day value at risk and expected shortfall (fractions of the value) from the
    empirical distribution of daily returns."""
    daily = sorted(returns(values))
    if not daily:
        raise MarketDataError("at least two values are needed")
    cut = max(1, int(math.floor(len(daily) * (1 - confidence))))
    tail = daily[:cut]
    return {"var": round(max(-tail[-1], 0.0), 10), "expected_shortfall": round(max(-_mean(tail), 0.0), 10)}


def parametric_var(expected_return: float, volatility: float, confidence: float,
                   horizon_days: int) -> dict[str, float]:
    """Normal value at risk and expected shortfall over `horizon_days` from annual figures."""
    t = horizon_days / TRADING_DAYS
    mu, sigma = expected_return * t, volatility * math.sqrt(t)
    z = NormalDist().inv_cdf(confidence)
    var = sigma * z - mu
    shortfall = sigma * math.exp(-z * z / 2) / (math.sqrt(2 * math.pi) * (1 - confidence)) - mu
    return {"var": round(max(var, 0.0), 10), "expected_shortfall": round(max(shortfall, 0.0), 10)}
