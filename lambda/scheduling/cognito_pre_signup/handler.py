"""Cognito pre-sign-up trigger of the user pool `<prefix>-users-<env>` (enterprise phase).

A user's `custom:customer_id` and `custom:client_id` become the identity the chat API trusts
(the API's Cognito authorizer puts them into the token's claims), so nobody may choose them
freely. This trigger refuses a sign-up unless:

- the email address is well formed and, when ALLOWED_EMAIL_DOMAINS is set, in one of those
  domains (comma-separated, lowercase; empty: any domain);
- `custom:customer_id` matches ^[A-Z0-9]{3,32}$ and `custom:client_id` is one of
  ALLOWED_CLIENT_IDS (comma-separated; the stack sets the PF360 client of this environment;
  unset: any client id of the API's format);
- for a self-service sign-up (PreSignUp_SignUp) with REQUIRE_INVITATION=true: USERS_TABLE holds
  an invitation for this email (status "invited") naming the same customer and client. The
  back office writes the invitation; the post-confirmation trigger marks it confirmed.

An operator's AdminCreateUser (PreSignUp_AdminCreateUser) is checked for formats, domain and
client only: the operator vouches for the customer. Federated sign-ups (PreSignUp_ExternalProvider)
are refused: the pool has no external identity provider yet.

Refusal raises SignUpRefused; Cognito answers the caller "PreSignUp failed with error <message>".
The message never says whether an invitation exists. Nothing is confirmed automatically: the
user still verifies the email address with a code.

Environment: ALLOWED_EMAIL_DOMAINS, ALLOWED_CLIENT_IDS, REQUIRE_INVITATION, USERS_TABLE,
LOG_LEVEL, POWERTOOLS_SERVICE_NAME.
"""

from __future__ import annotations

import os
import re
from typing import Any

from pf_actions import aws
from pf_actions.log import logger

CUSTOMER_ID = re.compile(r"^[A-Z0-9]{3,32}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$")
GENERIC_REFUSAL = "Sign-up is not possible with these details. Please contact your administrator."


class SignUpRefused(Exception):
    """Cognito shows the message to the caller; keep it free of internal details."""


def _listed(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _refuse(reason: str, source: str) -> SignUpRefused:
    logger.info("Sign-up refused", extra={"reason": reason, "trigger_source": source})
    return SignUpRefused(GENERIC_REFUSAL)


def check(event: dict[str, Any]) -> None:
    """Raise SignUpRefused unless the sign-up may go on."""
    source = str(event.get("triggerSource", ""))
    if source not in ("PreSignUp_SignUp", "PreSignUp_AdminCreateUser"):
        raise _refuse("unsupported trigger source", source)
    request = event.get("request")
    attributes = request.get("userAttributes") if isinstance(request, dict) else None
    if not isinstance(attributes, dict):
        raise _refuse("no user attributes", source)
    email = attributes.get("email")
    customer_id = attributes.get("custom:customer_id")
    client_id = attributes.get("custom:client_id")
    if not isinstance(email, str) or not EMAIL.fullmatch(email):
        raise _refuse("malformed email", source)
    domains = [d.lower() for d in _listed("ALLOWED_EMAIL_DOMAINS")]
    if domains and email.rsplit("@", 1)[1].lower() not in domains:
        raise _refuse("email domain not allowed", source)
    if not isinstance(customer_id, str) or not CUSTOMER_ID.fullmatch(customer_id):
        raise _refuse("malformed customer_id", source)
    clients = _listed("ALLOWED_CLIENT_IDS")
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id) or (
            clients and client_id not in clients):
        raise _refuse("client_id not allowed", source)
    if source == "PreSignUp_SignUp" and os.environ.get("REQUIRE_INVITATION", "true").lower() != "false":
        table = os.environ.get("USERS_TABLE", "").strip()
        if not table:
            raise RuntimeError("USERS_TABLE is not set")
        item = aws.client("dynamodb").get_item(
            TableName=table, Key={"email": {"S": email.lower()}}, ConsistentRead=True
        ).get("Item")
        invited = (
            item is not None
            and item.get("status", {}).get("S") == "invited"
            and item.get("customer_id", {}).get("S") == customer_id
            and item.get("client_id", {}).get("S") == client_id
        )
        if not invited:
            raise _refuse("no matching invitation", source)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    check(event)
    response = event.setdefault("response", {})
    # The user proves the address with a code; nothing is confirmed on their behalf.
    response.update({"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False})
    logger.info("Sign-up allowed", extra={"trigger_source": event.get("triggerSource")})
    return event
