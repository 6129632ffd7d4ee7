"""API Gateway proxy events in, JSON responses out: the caller's user id from the authorizer,
path parameters, the body, and CORS headers for the env file's origins."""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Callable

from chatbot_core.errors import ApiError, BadRequest, NotFound

logger = logging.getLogger("chatbot")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
MAX_BODY = 16384
SECURITY_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}


def _origins() -> tuple[str, ...]:
    return tuple(o for o in os.environ.get("CORS_ALLOW_ORIGINS", "").split(",") if o)


def response(status: int, body: Any, event: dict | None = None) -> dict:
    headers = dict(SECURITY_HEADERS)
    origin = ((event or {}).get("headers") or {})
    origin = origin.get("origin") or origin.get("Origin")
    allowed = _origins()
    if allowed and (origin in allowed or allowed == ("*",)):
        headers["Access-Control-Allow-Origin"] = "*" if allowed == ("*",) else origin
        headers["Vary"] = "Origin"
    return {"statusCode": status, "headers": headers,
            "body": "" if body is None else json.dumps(body, separators=(",", ":"))}


def error(exc: ApiError, event: dict) -> dict:
    return response(exc.status, {"error": exc.code, "message": exc.message}, event)


def user_id(event: dict) -> str:
    """The `sub` of the caller's token, put into the request context by the authorizer."""
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    user = context.get("userId") or context.get("principalId")
    if not isinstance(user, str) or not user:
        # Only reachable if a route were deployed without the authorizer.
        raise ApiError("request reached the function without an authenticated user")
    return user


def path_parameter(event: dict, name: str) -> str:
    value = (event.get("pathParameters") or {}).get(name)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"path parameter {name} is missing")
    return value


def json_body(event: dict) -> dict[str, Any]:
    raw = event.get("body") or "{}"
    if event.get("isBase64Encoded"):
        raise BadRequest("send the body as application/json text")
    if len(raw) > MAX_BODY:
        raise BadRequest("body too large")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest("body is not JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def handle(routes: dict[tuple[str, str], Callable[[dict], dict]], event: dict) -> dict:
    """Dispatch on (method, resource template); ApiError becomes its answer, anything else a
    logged 500 without details."""
    route = routes.get((event.get("httpMethod", ""), event.get("resource", "")))
    try:
        if route is None:
            raise NotFound("no such route")
        return route(event)
    except ApiError as exc:
        if exc.status >= 500:
            logger.warning("request failed: %s", exc.message)
        return error(exc, event)
    except Exception:  # noqa: BLE001 - the caller gets a generic 500, the log the traceback
        logger.exception("unexpected error")
        return error(ApiError("internal error"), event)
