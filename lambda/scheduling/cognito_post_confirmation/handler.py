"""Cognito post-confirmation trigger of the user pool `<prefix>-users-<env>` (enterprise phase).

When a user confirms the sign-up (PostConfirmation_ConfirmSignUp), the user is recorded in
USERS_TABLE, keyed by lowercase email: status "confirmed", the Cognito `sub`, customer_id,
client_id and confirmed_at (ISO 8601, UTC). A self-service sign-up turns its invitation row into
that record; a user without an invitation (an operator created or confirmed the account)
gets a new row. The write is conditional: a row that
already belongs to another `sub` or another customer is left alone (logged), so a repeated
confirmation is harmless and a second account cannot take over the first one's row.

A password reset (PostConfirmation_ConfirmForgotPassword) changes nothing. The trigger never
fails the confirmation for a bookkeeping problem it caused itself: Cognito would show the user
an error although the account is confirmed. AWS errors (the table down) do propagate, so the
user retries and the record is not lost silently.

Environment: USERS_TABLE, LOG_LEVEL, POWERTOOLS_SERVICE_NAME.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from pf_actions import aws
from pf_actions.log import logger


def _attribute(attributes: dict[str, Any], name: str) -> str | None:
    value = attributes.get(name)
    return value if isinstance(value, str) and value else None


def record(event: dict[str, Any], now: dt.datetime | None = None) -> str:
    """Record the confirmed user; returns "recorded", "ignored" or "conflict"."""
    if event.get("triggerSource") != "PostConfirmation_ConfirmSignUp":
        return "ignored"
    request = event.get("request")
    attributes = request.get("userAttributes") if isinstance(request, dict) else None
    if not isinstance(attributes, dict):
        logger.warning("Confirmation without user attributes")
        return "ignored"
    email, sub = _attribute(attributes, "email"), _attribute(attributes, "sub")
    customer_id = _attribute(attributes, "custom:customer_id")
    client_id = _attribute(attributes, "custom:client_id")
    if not (email and sub and customer_id and client_id):
        logger.warning("Confirmation without email, sub, customer_id or client_id")
        return "ignored"
    table = os.environ.get("USERS_TABLE", "").strip()
    if not table:
        raise RuntimeError("USERS_TABLE is not set")
    confirmed_at = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    dynamodb = aws.client("dynamodb")
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"email": {"S": email.lower()}},
            UpdateExpression="SET #status = :confirmed, user_sub = :sub, customer_id = :customer, "
            "client_id = :client, confirmed_at = :at",
            # A new row, the invitation of this customer, or this same user confirming again.
            ConditionExpression="attribute_not_exists(email) OR "
            "(customer_id = :customer AND (attribute_not_exists(user_sub) OR user_sub = :sub))",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":confirmed": {"S": "confirmed"},
                ":sub": {"S": sub},
                ":customer": {"S": customer_id},
                ":client": {"S": client_id},
                ":at": {"S": confirmed_at},
            },
        )
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise
        logger.warning("User row belongs to another account; left unchanged")
        return "conflict"
    logger.info("User recorded", extra={"customer_id": customer_id})
    return "recorded"


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    record(event)
    return event
