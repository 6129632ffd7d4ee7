"""Risk Assessment action group: value at risk, expected shortfall and drawdown of a portfolio,
either an optimization job's result (results cache) or weights over a price file.

Operations: getJobRisk, assessPortfolioRisk. schemas/risk_assessment_actions.json is generated
from GROUP by lambda/allocation/generate_schemas.py.
"""

from __future__ import annotations

from allocation_core import market, store
from allocation_core.actions import ActionGroup, Field, bad_input, not_found, parse_weights

API_TITLE = "Allocation Risk Assessment Actions"
API_DESCRIPTION = "Value at risk, expected shortfall and drawdown of a portfolio."
GROUP = ActionGroup(API_TITLE, API_DESCRIPTION)
CONFIDENCE = Field("confidence", "number", "Confidence level of the value at risk, 0.9-0.999",
                   required=False, minimum=0.9, maximum=0.999, default=0.95)
VALUE = Field("portfolio_value", "number", "Portfolio value in USD the losses are scaled to",
              required=False, minimum=1, maximum=1e12, default=1_000_000)


@GROUP.operation(operation_id="getJobRisk", method="get", path="/jobs/{job_id}/risk",
                 summary="Risk of an optimization job's allocation",
                 description="Normal (parametric) value at risk and expected shortfall of the "
                             "allocation computed for a job, from its expected return and volatility.",
                 parameters=(Field("job_id", "string", "The job id returned at submission",
                                   in_path=True,
                                   pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
                             CONFIDENCE,
                             Field("horizon_days", "integer", "Horizon in trading days, 1-252",
                                   required=False, minimum=1, maximum=252, default=10),
                             VALUE),
                 returns="weights, stats and the value at risk of the job's allocation")
def job_risk(job_id: str, confidence: float, horizon_days: int, portfolio_value: float) -> dict:
    result = store.get_result(f"job#{job_id}")
    if result is None:
        raise not_found(f"job {job_id} has no result (unknown, still running or expired)")
    stats = result["stats"]
    risk = market.parametric_var(stats["expected_return"], stats["volatility"], confidence,
                                 horizon_days)
    return {"job_id": job_id, "weights": result["weights"], "stats": stats,
            "confidence": confidence, "horizon_days": horizon_days, **_scaled(risk, portfolio_value)}


@GROUP.operation(operation_id="assessPortfolioRisk", method="post", path="/portfolio/risk",
                 summary="Historical risk of weights over a price file",
                 description="Holds the weights from the first common date of the price file: "
                             "one-day historical value at risk and expected shortfall, maximum "
                             "drawdown and the largest weight.",
                 body=(Field("key", "string", "Object key of a price file under incoming/",
                             pattern=market.KEY_PATTERN, max_length=220),
                       Field("weights", "string", "Weights such as EQ=0.6,BD=0.4 summing to 1",
                             max_length=2000),
                       CONFIDENCE, VALUE),
                 returns="one-day value at risk, expected shortfall and maximum drawdown")
def portfolio_risk(key: str, weights: str, confidence: float, portfolio_value: float) -> dict:
    parsed = parse_weights(weights)
    try:
        values = market.portfolio_values(market.parse_prices(market.read_object(key)), parsed)
        risk = market.historical_var(values, confidence)
    except FileNotFoundError:
        raise not_found(f"no price file {key}") from None
    except market.MarketDataError as error:
        raise bad_input(f"{key}: {error}") from None
    return {"key": key, "confidence": confidence, "observations": len(values),
            "max_drawdown": round(market.max_drawdown(values), 10),
            "largest_weight": max(parsed.values()), **_scaled(risk, portfolio_value)}


def _scaled(risk: dict[str, float], value: float) -> dict[str, float]:
    return {**risk, "var_usd": round(risk["var"] * value, 2),
            "expected_shortfall_usd": round(risk["expected_shortfall"] * value, 2)}


def lambda_handler(event, context=None):
    return GROUP.handle(event)
