"""Read-through cache of PF360 answers in DynamoDB (Phase 2, CACHE_TABLE).

Table: partition `customer_id` (S), sort `project_id` (S), TTL attribute `expires_at` (N,
epoch seconds). One item per PF360 read:

  customer_id  the customer the answer belongs to
  project_id   "<project id or *>#<operation>#<client id>[#<query>]", e.g.
               "PRJ-1001#time_slots#09PF05VD#date=2025-01-07", "*#list_projects#09PF05VD"
               ("#" cannot occur in an identifier, see pf_actions.bedrock.ID_PATTERN)
  payload      PF360's JSON answer, as a string
  operation, client_id, project, query   the request, so refresh_cache can repeat it
  expires_at   now + cache_ttl_seconds (SSM setting, default 900)
  origin_at    when a customer's read stored it; refresh_cache keeps refreshing an item for a
               day after that, then lets it expire

An item whose expires_at has passed is a miss (DynamoDB deletes expired items up to days
later). Every change of a customer's bookings or notes deletes all the customer's items: an
appointment shows in the project list, the project, and (a slot taken) in every project's
availability. Other customers' cached availability can lag by up to the TTL; PF360 still
refuses a taken slot (409) and the agent then offers the remaining ones.

The cache must never fail an action: any DynamoDB error (throttling, missing table, no
permission, timeout) is logged as a WARNING and the caller goes to PF360. After an error,
reads and writes skip the cache for BREAKER_SECONDS, so a broken table costs one failed call
per minute, not two per action; invalidations are always attempted. Known limits, bounded by
the TTL: an invalidation that fails leaves the old answers, and a read racing a change can
store the answer from before it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from pf_actions import app_settings, aws
from pf_actions.log import logger

TABLE_ENV = "CACHE_TABLE"
USE_CACHE_FLAG = "use_cache"
# The PF360 reads that are cached (pf_actions.pf360_api.ENDPOINTS names).
CACHEABLE: Final = frozenset({"list_projects", "get_project", "available_dates", "time_slots", "list_notes"})
BREAKER_SECONDS = 60.0
MAX_PAYLOAD_BYTES = 350_000  # DynamoDB items are at most 400 KB
_REFRESH_ATTRIBUTES = ("customer_id", "operation", "client_id", "project", "query", "expires_at", "origin_at")


class _Miss:
    def __repr__(self) -> str:
        return "MISS"


MISS: Final = _Miss()


@dataclass(frozen=True)
class CacheKey:
    customer_id: str
    client_id: str
    operation: str
    project_id: str = ""  # "" for a customer-wide read (list_projects)
    query: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls, customer_id: str, client_id: str, operation: str, project_id: str | None, query: Mapping[str, str] | None
    ) -> CacheKey:
        return cls(customer_id, client_id, operation, project_id or "", tuple(sorted((query or {}).items())))

    @property
    def sort_key(self) -> str:
        parts = [self.project_id or "*", self.operation, self.client_id]
        if self.query:
            parts.append(urlencode(self.query))
        return "#".join(parts)

    @property
    def query_dict(self) -> dict[str, str]:
        return dict(self.query)


@dataclass(frozen=True)
class CachedItem:
    key: CacheKey
    expires_at: int
    origin_at: int


class ResponseCache:
    def __init__(self, table: str, ttl_seconds: int, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._skip_until = 0.0

    # Reads and writes of one item

    def get(self, key: CacheKey) -> Any:
        """The cached JSON answer, or MISS."""
        item = self._safely("get", lambda: self._client().get_item(
            TableName=self.table,
            Key=_key(key),
            ConsistentRead=True,  # a read right after an invalidation must not see the old item
            ProjectionExpression="payload, expires_at",  # neither is a reserved word
        ).get("Item"))
        if not item:
            return MISS
        try:
            if int(item["expires_at"]["N"]) <= self._clock():
                return MISS
            return json.loads(item["payload"]["S"])
        except (KeyError, ValueError, TypeError):
            logger.warning("Unusable cache item ignored", extra={"operation": key.operation})
            return MISS

    def put(self, key: CacheKey, data: Any, origin_at: int | None = None) -> bool:
        payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            logger.info("Answer too large to cache", extra={"operation": key.operation})
            return False
        now = int(self._clock())
        item = {
            **_key(key),
            "payload": {"S": payload},
            "operation": {"S": key.operation},
            "client_id": {"S": key.client_id},
            "project": {"S": key.project_id},
            "query": {"S": urlencode(key.query)},
            "cached_at": {"N": str(now)},
            "origin_at": {"N": str(origin_at if origin_at is not None else now)},
            "expires_at": {"N": str(now + self.ttl_seconds)},
        }
        done = self._safely("put", lambda: self._client().put_item(TableName=self.table, Item=item))
        return done is not None

    # Invalidation and refresh

    def invalidate(self, customer_id: str) -> int:
        """Delete every cached answer of the customer; the number deleted (0 on failure)."""
        # Always tried, breaker or not: skipping it would serve pre-change answers afterwards.
        deleted = self._safely("invalidate", lambda: self._delete_partition(customer_id), always=True)
        return deleted or 0

    def _delete_partition(self, customer_id: str) -> int:
        keys = []
        pages = self._client().get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="customer_id = :c",
            ExpressionAttributeValues={":c": {"S": customer_id}},
            ProjectionExpression="customer_id, project_id",
            ConsistentRead=True,
        )
        for page in pages:
            keys.extend(page.get("Items", []))
        aws.batch_delete(self._client(), self.table, keys)
        return len(keys)

    def expiring(self, within_seconds: int, refresh_horizon_seconds: int) -> Iterator[CachedItem]:
        """Items expiring in the next `within_seconds` whose customer read was less than
        `refresh_horizon_seconds` ago (a scan; DynamoDB errors propagate to the caller)."""
        now = int(self._clock())
        pages = self._client().get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="#expires_at BETWEEN :now AND :until AND #origin_at >= :oldest",
            ExpressionAttributeValues={
                ":now": {"N": str(now)},
                ":until": {"N": str(now + within_seconds)},
                ":oldest": {"N": str(now - refresh_horizon_seconds)},
            },
            # Aliases throughout: several of these names are DynamoDB reserved words.
            ProjectionExpression=", ".join(f"#{name}" for name in _REFRESH_ATTRIBUTES),
            ExpressionAttributeNames={f"#{name}": name for name in _REFRESH_ATTRIBUTES},
        )
        for page in pages:
            for item in page.get("Items", []):
                parsed = _cached_item(item)
                if parsed is not None:
                    yield parsed

    # Plumbing

    def _client(self) -> Any:
        return aws.client("dynamodb")

    def _safely(self, action: str, call: Callable[[], Any], always: bool = False) -> Any:
        """Run a DynamoDB call (unless the breaker is open and not `always`); on any error log a
        WARNING, open the breaker, return None."""
        if not always and time.monotonic() < self._skip_until:
            return None
        try:
            result = call()
        except Exception as exc:
            self._skip_until = time.monotonic() + BREAKER_SECONDS
            logger.warning(
                "Cache unavailable, calling PF360 directly",
                extra={"cache_action": action, "error_code": aws.error_code(exc), "table": self.table},
            )
            return None
        return result if result is not None else {}


def _key(key: CacheKey) -> dict[str, dict[str, str]]:
    return {"customer_id": {"S": key.customer_id}, "project_id": {"S": key.sort_key}}


def _cached_item(item: Mapping[str, Any]) -> CachedItem | None:
    try:
        operation = item["operation"]["S"]
        if operation not in CACHEABLE:
            return None
        key = CacheKey.of(
            item["customer_id"]["S"],
            item["client_id"]["S"],
            operation,
            item.get("project", {}).get("S", ""),
            dict(parse_qsl(item.get("query", {}).get("S", ""))),
        )
        return CachedItem(key, int(item["expires_at"]["N"]), int(item["origin_at"]["N"]))
    except (KeyError, ValueError, TypeError):
        return None


def current_cache() -> ResponseCache | None:
    """The cache to use now: None without CACHE_TABLE or with feature flag use_cache false."""
    table = os.environ.get(TABLE_ENV, "").strip()
    if not table:
        return None
    settings = app_settings.current()
    if not settings.flag(USE_CACHE_FLAG, default=True):
        return None
    key = (table, settings.cache_ttl_seconds)
    cache = _CACHES.get(key)
    if cache is None:
        cache = _CACHES[key] = ResponseCache(table, settings.cache_ttl_seconds)
    return cache


def reset_caches() -> None:
    _CACHES.clear()


_CACHES: dict[tuple[str, int], ResponseCache] = {}
