"""Hourly refresh of the PF360 answer cache (EventBridge schedule, Phase 2).

Scans CACHE_TABLE for answers expiring within the next hour that a customer's read stored
less than REFRESH_HORIZON_SECONDS ago, asks PF360 again (the same client, credentials and
environment as the action functions: PF360_API_BASE_URL, PF360_CLIENT_ID,
PF360_CREDENTIALS_SECRET_ARN, USE_MOCK_API) and rewrites payload and expires_at
(now + cache_ttl_seconds). The horizon keeps answers nobody reads any more from being
refreshed forever. One item's failure (PF360 error, answer no longer valid, write failed) is
counted in `failed`, never raised. In mock mode (USE_MOCK_API=true) nothing is cached, so
nothing is refreshed.

Returns {"status": "ok" | "partial" | "skipped" | "error", "scanned", "refreshed", "failed"}.
"""

from __future__ import annotations

import os
from typing import Any

from pf_actions import aws, metrics
from pf_actions.backend import get_backend
from pf_actions.cache import TABLE_ENV, current_cache
from pf_actions.errors import ActionError
from pf_actions.log import logger
from pf_actions.pf360_client import HttpPolicy
from pf_actions.runtime import time_left_ms
from pf_actions.settings import Settings
from pf_actions.tracing import capture_handler

WINDOW_SECONDS = 3600
REFRESH_HORIZON_SECONDS = 86400
# Stop before a PF360 call could outlive the invocation: its time budget plus the answer.
SAFETY_MARGIN_MS = int((HttpPolicy().time_budget + 3) * 1000)  # 25 s: give the function minutes


@capture_handler
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {"status": "ok", "scanned": 0, "refreshed": 0, "failed": 0}
    with logger.append_context_keys(request_id=getattr(context, "aws_request_id", None)):
        try:
            _refresh(summary, context)
        except Exception as exc:
            summary["status"] = "error"
            if isinstance(exc, ActionError):  # misconfiguration (USE_MOCK_API, PF360 settings)
                logger.error("Cache refresh not possible", extra={"reason": exc.message})
            else:
                logger.exception("Cache refresh failed", extra={"error_code": aws.error_code(exc)})
            metrics.count("LambdaErrors")
        logger.info("Cache refresh finished", extra=summary)
    return summary


def _refresh(summary: dict[str, Any], context: Any) -> None:
    if not os.environ.get(TABLE_ENV, "").strip():
        summary["status"] = "skipped"
        logger.warning("CACHE_TABLE is not set: nothing to refresh")
        return
    settings = Settings.from_env()
    if settings.use_mock_api:
        summary["status"] = "skipped"
        logger.info("Mock mode: the cache is not used")
        return
    cache = current_cache()
    if cache is None:
        summary["status"] = "skipped"
        logger.info("The cache is switched off (feature flag use_cache)")
        return
    backend = get_backend(settings)
    for item in cache.expiring(WINDOW_SECONDS, REFRESH_HORIZON_SECONDS):
        if time_left_ms(context) < SAFETY_MARGIN_MS:
            summary["status"] = "partial"
            logger.warning("Time nearly up: the rest expires normally")
            return
        summary["scanned"] += 1
        try:
            data = backend.refetch(item.key)  # type: ignore[attr-defined]  # Pf360Backend in PF360 mode
        except Exception as exc:
            summary["failed"] += 1
            log = logger.warning if isinstance(exc, ActionError) else logger.exception
            log("Could not refresh a cached answer", extra={"operation": item.key.operation,
                                                            "error_type": type(exc).__name__})
            continue
        if cache.put(item.key, data, origin_at=item.origin_at):
            summary["refreshed"] += 1
        else:
            summary["failed"] += 1

