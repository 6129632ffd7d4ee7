"""The optimization request (what `POST /optimize` accepts) and the allocation it produces.

The API Gateway model checks the shape first; `parse_request` checks it again (the functions
are also invoked directly) and the rules the JSON schema cannot express (unique assets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

OBJECTIVES = ("risk_parity", "min_variance", "max_sharpe")
MAX_ASSETS = 200


class RequestError(ValueError):
    """The request is invalid; the message says which field and why."""


@dataclass(frozen=True)
class Asset:
    symbol: str
    expected_return: float
    volatility: float


@dataclass(frozen=True)
class Request:
    user_id: str
    objective: str
    assets: tuple[Asset, ...]
    max_weight: float
    risk_free_rate: float


def _number(value, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RequestError(f"{field} must be a number")
    if not low <= value <= high:
        raise RequestError(f"{field} must be between {low} and {high}")
    return float(value)


def parse_request(body) -> Request:
    if not isinstance(body, dict):
        raise RequestError("the body must be a JSON object")
    user_id = body.get("user_id")
    if not isinstance(user_id, str) or not 1 <= len(user_id) <= 128:
        raise RequestError("user_id must be a string of 1-128 characters")
    objective = body.get("objective", "risk_parity")
    if objective not in OBJECTIVES:
        raise RequestError(f"objective must be one of {', '.join(OBJECTIVES)}")
    raw = body.get("assets")
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_ASSETS:
        raise RequestError(f"assets must be a list of 2-{MAX_ASSETS} assets")
    assets = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("symbol"), str) \
                or not 1 <= len(item["symbol"]) <= 32:
            raise RequestError(f"assets[{index}].symbol must be a string of 1-32 characters")
        assets.append(Asset(item["symbol"],
                            _number(item.get("expected_return"), f"assets[{index}].expected_return", -1, 10),
                            _number(item.get("volatility"), f"assets[{index}].volatility", 1e-4, 10)))
    if len({a.symbol for a in assets}) != len(assets):
        raise RequestError("assets must have unique symbols")
    max_weight = _number(body.get("max_weight", 1.0), "max_weight", 0.01, 1.0)
    if max_weight * len(assets) < 1 - 1e-9:
        raise RequestError("max_weight times the number of assets must reach 1 (fully invested)")
    risk_free = _number(body.get("risk_free_rate", 0.0), "risk_free_rate", -0.1, 0.5)
    return Request(user_id, objective, tuple(assets), max_weight, risk_free)


def raw_scores(request: Request) -> list[float]:
    """Unnormalized weights per objective (assets treated as uncorrelated)."""
    if request.objective == "risk_parity":
        return [1 / a.volatility for a in request.assets]
    if request.objective == "min_variance":
        return [1 / a.volatility ** 2 for a in request.assets]
    excess = [max(a.expected_return - request.risk_free_rate, 0.0) / a.volatility ** 2
              for a in request.assets]
    # No asset beats the risk-free rate: fall back to minimum variance.
    return excess if sum(excess) > 0 else [1 / a.volatility ** 2 for a in request.assets]


def allocate(request: Request) -> dict[str, float]:
    """Long-only weights summing to 1, each at most `max_weight` (capped weights are fixed and
    the rest is redistributed in proportion to the scores)."""
    scores = dict(zip((a.symbol for a in request.assets), raw_scores(request)))
    weights: dict[str, float] = {}
    free = dict(scores)
    remaining = 1.0
    while free:
        total = sum(free.values())
        share = {s: (remaining * v / total if total > 0 else remaining / len(free))
                 for s, v in free.items()}
        over = {s for s, w in share.items() if w > request.max_weight + 1e-12}
        if not over:
            weights.update(share)
            break
        for symbol in over:
            weights[symbol] = request.max_weight
            remaining -= request.max_weight
            del free[symbol]
    return {a.symbol: round(weights[a.symbol], 10) for a in request.assets}


def portfolio_stats(request: Request, weights: dict[str, float]) -> dict[str, float]:
    expected = sum(weights[a.symbol] * a.expected_return for a in request.assets)
    variance = sum((weights[a.symbol] * a.volatility) ** 2 for a in request.assets)
    volatility = math.sqrt(variance)
    sharpe = (expected - request.risk_free_rate) / volatility if volatility > 0 else 0.0
    return {"expected_return": round(expected, 10), "volatility": round(volatility, 10),
            "sharpe": round(sharpe, 10)}
