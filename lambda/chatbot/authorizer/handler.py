"""TOKEN authorizer of the chatbot API: verifies `Authorization: Bearer <JWT>` (HS256, signed
with the JWT secret) and allows the caller on every method of this API stage.

The decision is cached by API Gateway per token (`auth.authorizer_cache_seconds`), so the
policy covers the whole stage, not only the method first called. The user id (`sub`) reaches
the functions as `requestContext.authorizer.userId`. Any rejection raises "Unauthorized", which
API Gateway answers with 401; the reason goes to the log only.
"""

from __future__ import annotations

import logging
import os
import re
import time

from chatbot_core import jwt, secrets

logger = logging.getLogger("chatbot.authorizer")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
_METHOD_ARN = re.compile(r"(arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+/[A-Za-z0-9_-]+)/")
_BEARER = re.compile(r"Bearer ([^\s]+)")


def _stage_arn(method_arn: str) -> str:
    match = _METHOD_ARN.match(method_arn or "")
    if not match:
        raise ValueError("methodArn is not an execute-api ARN")
    return match.group(1)


def _signing_key(refresh: bool = False) -> bytes:
    value = secrets.read_json(os.environ["JWT_SECRET_ARN"], ("signing_key",), refresh=refresh)
    return value["signing_key"].encode()


def lambda_handler(event: dict, context: object = None) -> dict:
    try:
        stage = _stage_arn(event.get("methodArn", ""))
        match = _BEARER.fullmatch(event.get("authorizationToken") or "")
        if not match:
            raise jwt.InvalidToken("no bearer token")
        options = {"issuer": os.environ["JWT_ISSUER"], "audience": os.environ["JWT_AUDIENCE"],
                   "now": time.time()}
        try:
            claims = jwt.verify(match.group(1), _signing_key(), **options)
        except jwt.InvalidToken as first:
            if str(first) != "bad signature":
                raise
            # The key may have been replaced since it was cached: read it once more.
            claims = jwt.verify(match.group(1), _signing_key(refresh=True), **options)
    except (jwt.InvalidToken, ValueError) as exc:
        logger.info("token refused: %s", exc)
        raise Exception("Unauthorized") from None  # noqa: TRY002 - API Gateway's contract
    subject = claims["sub"]
    return {
        "principalId": subject,
        "policyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{stage}/*/*"}]},
        "context": {"userId": subject},
    }
