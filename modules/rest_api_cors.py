"""CORS of a REST API: the OPTIONS preflight of one resource, and CORS headers on the error
responses API Gateway sends itself (missing API key, throttling, validation failures).

A Lambda proxy integration returns its own headers, so the backend adds
`Access-Control-Allow-Origin` to its responses; API Gateway answers only the preflight.
"""

from __future__ import annotations

import re

from constructs import Construct

from modules.aws import provider_module

#: Request headers a browser may send: the body type, the API key and a future bearer token.
ALLOWED_HEADERS = ("Authorization", "Content-Type", "X-Api-Key")
_ORIGIN = re.compile(r"https://[a-z0-9.-]+(:\d{1,5})?|http://localhost(:\d{1,5})?")


def validate_origins(origins: tuple[str, ...]) -> None:
    """`("*",)` alone, or exact origins: https://host[:port], or http://localhost[:port]."""
    if origins == ("*",):
        return
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise ValueError(f"CORS origin {origin!r} must be '*' alone, https://<lowercase host>"
                             "[:port] or http://localhost[:port], without a path or trailing '/'")
    if len(set(origins)) != len(origins):
        raise ValueError("a CORS origin is listed twice")


def _quoted(value: str) -> str:
    """API Gateway reads a quoted response-parameter value as a literal."""
    return f"'{value}'"


def origin_template(origins: tuple[str, ...]) -> str:
    """VTL echoing the request's Origin header when it is one of `origins` (a response header
    holds exactly one origin, so several can only be answered one request at a time)."""
    matches = " || ".join(f'$origin == "{o}"' for o in origins)
    return "\n".join((
        '#set($origin = "")',
        '#set($origin = $input.params().header.get("Origin"))',
        '#if($origin == "")#set($origin = $input.params().header.get("origin"))#end',
        f"#if({matches})",
        "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
        "#end",
    ))


def preflight(scope: Construct, construct_id: str, *, rest_api_id: str, resource_id: str,
              methods: tuple[str, ...], origins: tuple[str, ...], validator_id: str) -> list:
    """OPTIONS on one resource, answered by a MOCK integration; returns the four resources.

    The preflight is unauthenticated by design: browsers never send credentials or API keys
    with it, and it reaches no backend."""
    api = {"rest_api_id": rest_api_id, "resource_id": resource_id, "http_method": "OPTIONS"}
    method = provider_module("api_gateway_method").ApiGatewayMethod(
        scope, f"{construct_id}_method", **api, authorization="NONE", api_key_required=False,
        request_validator_id=validator_id)
    integration = provider_module("api_gateway_integration").ApiGatewayIntegration(
        scope, f"{construct_id}_integration", **api, type="MOCK",
        request_templates={"application/json": '{"statusCode": 200}'}, depends_on=[method])
    headers = {
        "Access-Control-Allow-Origin": _quoted(origins[0]),
        "Access-Control-Allow-Methods": _quoted(",".join(sorted({*methods, "OPTIONS"}))),
        "Access-Control-Allow-Headers": _quoted(",".join(ALLOWED_HEADERS)),
        "Access-Control-Max-Age": _quoted("600"),
        "Vary": _quoted("Origin"),
    }
    response = provider_module("api_gateway_method_response").ApiGatewayMethodResponse(
        scope, f"{construct_id}_method_response", **api, status_code="200",
        response_parameters={f"method.response.header.{h}": True for h in headers},
        depends_on=[method])
    integration_response = provider_module(
        "api_gateway_integration_response").ApiGatewayIntegrationResponse(
        scope, f"{construct_id}_integration_response", **api, status_code=response.status_code,
        response_parameters={f"method.response.header.{h}": v for h, v in headers.items()},
        response_templates={"application/json": origin_template(origins)}
        if len(origins) > 1 else None,
        depends_on=[integration])
    return [method, integration, response, integration_response]


def error_headers(scope: Construct, construct_id: str, *, rest_api_id: str,
                  origins: tuple[str, ...]) -> list:
    """CORS headers on API Gateway's DEFAULT_4XX and DEFAULT_5XX responses, so a browser sees
    a 403 for a missing key instead of a CORS error. Only for a single origin: these responses
    cannot choose between origins."""
    if len(origins) != 1:
        return []
    gateway_response = provider_module("api_gateway_gateway_response").ApiGatewayGatewayResponse
    parameters = {
        "gatewayresponse.header.Access-Control-Allow-Origin": _quoted(origins[0]),
        "gatewayresponse.header.Access-Control-Allow-Headers": _quoted(",".join(ALLOWED_HEADERS)),
    }
    return [gateway_response(scope, f"{construct_id}_{kind.lower()}", rest_api_id=rest_api_id,
                             response_type=kind, response_parameters=parameters)
            for kind in ("DEFAULT_4XX", "DEFAULT_5XX")]
