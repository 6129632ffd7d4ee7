"""boto3 clients (and two small helpers) for the Phase 2 features (DynamoDB, SSM, Bedrock, CloudWatch, Secrets Manager).

boto3 is imported on first use only: the python3.11 runtime provides it, the zips do not vendor
it, and Phase 1 (no Phase 2 variable set) never loads it. Clients are kept for warm starts, one
per (service, region), with timeouts and retries chosen per service:

- dynamodb: 1 s to connect, 2 s to read, no retry. The cache must fail fast and let the action
  call PF360; the chat tables answer in milliseconds or are down.
- bedrock-agent-runtime: 28 s to read (API Gateway gives up at 29 s), no retry: repeating an
  agent turn could repeat what the agent did (a booking). Throttling goes back to the caller
  as 429 with Retry-After.
- the others: 2 s / 5 s, standard retry mode, 3 attempts.

botocore logs whole response bodies at DEBUG: settings (SecureStrings), conversation turns and
agent answers. Making a client holds that one logger at INFO, whatever LOG_LEVEL says.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

_DEFAULT = {"connect_timeout": 2, "read_timeout": 5, "retries": {"mode": "standard", "max_attempts": 3}}
_PER_SERVICE: dict[str, dict[str, Any]] = {
    "dynamodb": {"connect_timeout": 1, "read_timeout": 2, "retries": {"mode": "standard", "max_attempts": 1}},
    "bedrock-agent-runtime": {
        "connect_timeout": 3,
        "read_timeout": 28,
        "retries": {"mode": "standard", "max_attempts": 1},
    },
}
# Error codes AWS uses for "slow down" (DynamoDB, Bedrock, the control planes).
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "throttlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ServiceQuotaExceededException",
        "serviceQuotaExceededException",
    }
)


def client(service: str, region: str | None = None) -> Any:
    """A cached boto3 client for `service` (default region unless given)."""
    return _client(service, region or None)


@functools.lru_cache(maxsize=16)
def _client(service: str, region: str | None) -> Any:
    import boto3
    from botocore.config import Config

    logging.getLogger("botocore.parsers").setLevel(logging.INFO)
    config = Config(**_PER_SERVICE.get(service, _DEFAULT))
    return _session(boto3).client(service, region_name=region, config=config)


@functools.lru_cache(maxsize=1)
def _session(boto3: Any) -> Any:
    # One session for all clients: its loader keeps the service models, so a client is cheap.
    return boto3.session.Session()


def reset_clients() -> None:
    """Forget the cached clients (tests: each moto test needs clients of its own)."""
    _client.cache_clear()


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError (also EventStreamError), else the type name."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str) and code:
            return code
    return type(exc).__name__


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def region_of(arn: str) -> str | None:
    """The region of an ARN (arn:aws:<service>:<region>:...); None for a plain name."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[0] == "arn" and parts[3] else None


_BATCH = 25  # BatchWriteItem's limit
_BATCH_ATTEMPTS = 4


def batch_delete(client: Any, table: str, keys: list[dict[str, Any]]) -> None:
    """Delete `keys` with BatchWriteItem, 25 a call, retrying unprocessed ones with backoff."""
    for start in range(0, len(keys), _BATCH):
        requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + _BATCH]]
        for attempt in range(_BATCH_ATTEMPTS):
            unprocessed = client.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {})
            requests = unprocessed.get(table, [])
            if not requests:
                break
            time.sleep(0.05 * 2**attempt)
        else:
            raise RuntimeError(f"{len(requests)} deletions left unprocessed in {table}")
