"""The fraud agent's action group (OpenAPI schema in ../schemas/agent_actions_actions.json):

- GET /users/{user_id}/profile: the user's behaviour profile;
- GET /users/{user_id}/transactions: the user's most recent transactions (limit 1-50);
- GET /patterns: the latest version of every fraud pattern.
"""

from __future__ import annotations

import json
import logging
import os
import re
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
_USER = re.compile(r"[A-Za-z0-9_.@-]{1,128}")


def _table(variable: str):
    return boto3.resource("dynamodb").Table(os.environ[variable])


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set, tuple)):
        return [_plain(v) for v in value]
    return value


def profile(params: dict) -> tuple[int, dict]:
    item = _table("PROFILES_TABLE").get_item(Key={"user_id": params["user_id"]}).get("Item")
    return (200, _plain(item)) if item else (404, {"error": "no profile for this user"})


def transactions(params: dict) -> tuple[int, dict]:
    try:
        limit = int(params.get("limit", 10))
    except ValueError:
        return 400, {"error": "limit must be a number"}
    if not 1 <= limit <= 50:
        return 400, {"error": "limit must be 1-50"}
    found = _table("TRANSACTIONS_TABLE").query(
        IndexName="by-user", KeyConditionExpression=Key("user_id").eq(params["user_id"]),
        ScanIndexForward=False, Limit=limit)
    return 200, {"transactions": _plain(found.get("Items", []))}


def patterns(params: dict) -> tuple[int, dict]:
    latest: dict[str, dict] = {}
    table, kwargs = _table("PATTERNS_TABLE"), {}
    while True:
        page = table.scan(**kwargs)
        for item in page.get("Items", []):
            known = latest.get(item["pattern_id"])
            if known is None or item["version"] > known["version"]:
                latest[item["pattern_id"]] = item
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return 200, {"patterns": _plain(sorted(latest.values(), key=lambda p: p["pattern_id"]))}


ROUTES = {("GET", "/users/{user_id}/profile"): profile,
          ("GET", "/users/{user_id}/transactions"): transactions,
          ("GET", "/patterns"): patterns}


def lambda_handler(event, context):
    params = {p["name"]: str(p.get("value", "")) for p in event.get("parameters") or []}
    route = ROUTES.get((event.get("httpMethod"), event.get("apiPath")))
    if route is None:
        status, body = 404, {"error": "unknown action"}
    elif "{user_id}" in event["apiPath"] and not _USER.fullmatch(params.get("user_id", "")):
        status, body = 400, {"error": "user_id must be 1-128 letters, digits, '_', '.', '@', '-'"}
    else:
        status, body = route(params)
    return {"messageVersion": "1.0", "response": {
        "actionGroup": event.get("actionGroup"), "apiPath": event.get("apiPath"),
        "httpMethod": event.get("httpMethod"), "httpStatusCode": status,
        "responseBody": {"application/json": {"body": json.dumps(body, sort_keys=True)}}}}
