"""Secret values read from Secrets Manager at run time (never from the environment), cached per
container for `TTL_SECONDS` so a rotated value arrives within minutes without a redeploy."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3

TTL_SECONDS = 300.0
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_client = None


class SecretError(Exception):
    """The secret has no value yet or not the expected JSON object."""


def _secrets_client():
    global _client
    if _client is None:
        _client = boto3.client("secretsmanager")
    return _client


def read_json(arn: str, required: tuple[str, ...], *, refresh: bool = False) -> dict[str, Any]:
    """The secret's JSON object, with non-empty string `required` keys."""
    now = time.monotonic()
    cached = _cache.get(arn)
    if cached and not refresh and now - cached[0] < TTL_SECONDS:
        return cached[1]
    try:
        raw = _secrets_client().get_secret_value(SecretId=arn)["SecretString"]
        value = json.loads(raw)
    except _secrets_client().exceptions.ResourceNotFoundException as exc:
        raise SecretError(f"secret {arn} has no value yet") from exc
    except (KeyError, ValueError) as exc:
        raise SecretError(f"secret {arn} is not a JSON string") from exc
    if not isinstance(value, dict) or not all(
            isinstance(value.get(k), str) and value[k] for k in required):
        raise SecretError(f"secret {arn} needs the keys {', '.join(required)}")
    _cache[arn] = (now, value)
    return value


def clear() -> None:
    """Forget cached values and the client (tests)."""
    global _client
    _cache.clear()
    _client = None
