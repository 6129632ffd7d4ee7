"""Who may call a REST API stage and how often: one API key on a rate-limited usage plan.

API Gateway generates the key's value, so it appears in no Terraform configuration, plan or
output; read it with `aws apigateway get-api-key --api-key <id> --include-value`.
"""

from __future__ import annotations

from constructs import Construct

from modules.aws import provider_module


def usage_plan_with_key(scope: Construct, *, name: str, api_id: str, stage_name: str,
                        rate_per_second: float, burst: int) -> str:
    """A usage plan with a rate limit and no quota, and its one generated key; returns the key
    id."""
    plans = provider_module("api_gateway_usage_plan")
    plan = plans.ApiGatewayUsagePlan(
        scope, "usage_plan", name=name,
        api_stages=[plans.ApiGatewayUsagePlanApiStages(api_id=api_id, stage=stage_name)],
        throttle_settings=plans.ApiGatewayUsagePlanThrottleSettings(
            rate_limit=rate_per_second, burst_limit=burst))
    key = provider_module("api_gateway_api_key").ApiGatewayApiKey(
        scope, "api_key", name=name, enabled=True, description=f"Callers of {name}")
    provider_module("api_gateway_usage_plan_key").ApiGatewayUsagePlanKey(
        scope, "usage_plan_key", key_id=key.id, key_type="API_KEY", usage_plan_id=plan.id)
    return key.id
