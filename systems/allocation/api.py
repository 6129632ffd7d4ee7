"""The API layer: the REST API (`POST /optimize` with request validation, job status and
result), API keys with a 10 requests/second usage plan, a 5-minute stage cache for GET
responses, and a regional WAF web ACL on the stage; optionally every route behind the
Cognito user pool too (users.py)."""

from __future__ import annotations

from modules.action_function import ActionFunction
from modules.rest_api import RestApi, RestApiProps
from modules.rest_api_authorizer import Authorizer
from modules.rest_api_routes import Backend, Route
from modules.stacks.system_stack import SystemStack
from modules.web_acl import WebAcl, WebAclProps
from systems.allocation.data import Data
from systems.allocation.names import AllocationNames
from systems.allocation.settings import AllocationSettings

#: JSON schema (draft 4) of `POST /optimize`; the handler checks it again.
OPTIMIZE_REQUEST = {
    "$schema": "http://json-schema.org/draft-04/schema#", "title": "OptimizationRequest",
    "type": "object", "required": ["user_id", "assets"], "additionalProperties": False,
    "properties": {
        "user_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "objective": {"type": "string", "enum": ["risk_parity", "min_variance", "max_sharpe"]},
        "max_weight": {"type": "number", "minimum": 0.01, "maximum": 1},
        "risk_free_rate": {"type": "number", "minimum": -0.1, "maximum": 0.5},
        "assets": {"type": "array", "minItems": 2, "maxItems": 200, "items": {
            "type": "object", "required": ["symbol", "expected_return", "volatility"],
            "additionalProperties": False, "properties": {
                "symbol": {"type": "string", "minLength": 1, "maxLength": 32},
                "expected_return": {"type": "number", "minimum": -1, "maximum": 10},
                "volatility": {"type": "number", "minimum": 0.0001, "maximum": 10}}}},
    },
}
ROUTES = (
    Route("/optimize", "POST", request_model=OPTIMIZE_REQUEST),
    Route("/jobs/{job_id}", "GET", backend="status"),
    Route("/jobs/{job_id}/result", "GET", backend="results"),
)


def build_api(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
              data: Data, functions: dict[str, ActionFunction],
              authorizer: Authorizer | None = None) -> tuple[RestApi, WebAcl]:
    env, api = stack.env, settings.api
    submit = functions["strategy-submission"]
    rest = RestApi(stack, "api", RestApiProps(
        api_name=names.api(), stage_name=env.environment, function_arn=submit.function_arn,
        function_name=submit.function_name, routes=ROUTES,
        backends=(Backend("status", functions["status-polling"].function_arn,
                          functions["status-polling"].function_name),
                  Backend("results", functions["results-retrieval"].function_arn,
                          functions["results-retrieval"].function_name)),
        access_log_group_name=names.api_log_group(), account_id=env.account_id,
        region=env.region, kms_key_arn=data.key_arn,
        throttle_rate_per_second=api.requests_per_second, throttle_burst=api.burst,
        access_log_retention_days=settings.functions.log_retention_days,
        cache_ttl_seconds=api.cache_ttl_seconds, authorizer=authorizer,
        description=f"Asset allocation: optimization jobs and results ({env.environment})"))
    acl = WebAcl(stack, "api_protection", WebAclProps(
        name=names.web_acl(), scope="REGIONAL", rate_limit=api.waf_rate_limit,
        allowed_countries=api.allowed_countries, log_group_name=names.web_acl_log_group(),
        log_retention_days=settings.functions.log_retention_days, kms_key_arn=data.key_arn,
        description=f"Rate limit, countries and managed rules ({env.environment})"))
    acl.associate("api_stage", rest.stage_arn)
    return rest, acl
