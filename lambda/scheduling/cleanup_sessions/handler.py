"""Daily clean-up of idle chat sessions (EventBridge schedule, Phase 2).

Deletes every session of SESSION_TABLE whose updated_at is older than `session_idle_days`
(SSM setting, default 30) and its turns in CONVERSATION_TABLE. The session goes first, with a
condition that it is still idle (a customer who came back keeps it); then its turns (Query by
session_id, BatchWriteItem deletes). The scan is paginated; the run stops early, leaving the
rest for the next day, when less than SAFETY_MARGIN_MS of the invocation is left.

Returns {"status": "ok" | "partial" | "error", "sessions_scanned", "sessions_deleted",
"turns_deleted", "errors", "cutoff"}. It never raises: a failure (one session's, or the run's:
missing setting, throttled scan) is logged and counted in `errors`; a run with errors counts
one LambdaErrors metric.

Environment: SESSION_TABLE, CONVERSATION_TABLE, SETTINGS_PARAMETER_PATH, ENVIRONMENT,
LOG_LEVEL, POWERTOOLS_SERVICE_NAME.
"""

from __future__ import annotations

import os
import time
from typing import Any

from pf_actions import app_settings, aws, metrics
from pf_actions.conversations import DAY_SECONDS, ConversationStore
from pf_actions.log import logger
from pf_actions.runtime import time_left_ms
from pf_actions.tracing import capture_handler

SAFETY_MARGIN_MS = 10_000


@capture_handler
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "status": "ok",
        "sessions_scanned": 0,
        "sessions_deleted": 0,
        "turns_deleted": 0,
        "errors": 0,
    }
    with logger.append_context_keys(request_id=getattr(context, "aws_request_id", None)):
        try:
            _clean(summary, context)
        except Exception as exc:
            summary["status"] = "error"
            summary["errors"] += 1
            if isinstance(exc, _NotConfigured):
                logger.error("Clean-up not configured", extra={"missing": str(exc)})
            else:
                logger.exception("Clean-up failed", extra={"error_code": aws.error_code(exc)})
        if summary["errors"]:
            metrics.count("LambdaErrors")
        logger.info("Session clean-up finished", extra=summary)
    return summary


class _NotConfigured(Exception):
    pass


def _clean(summary: dict[str, Any], context: Any) -> None:
    tables = {name: os.environ.get(name, "").strip() for name in ("SESSION_TABLE", "CONVERSATION_TABLE")}
    missing = [name for name, value in tables.items() if not value]
    if missing:
        raise _NotConfigured(", ".join(missing))
    store = ConversationStore(tables["SESSION_TABLE"], tables["CONVERSATION_TABLE"])
    idle_days = app_settings.current().session_idle_days
    cutoff = int(time.time()) - idle_days * DAY_SECONDS
    summary["cutoff"] = cutoff
    for session_id in store.idle_sessions(cutoff):
        if time_left_ms(context) < SAFETY_MARGIN_MS:
            summary["status"] = "partial"
            logger.warning("Time nearly up: the rest waits for the next run")
            return
        summary["sessions_scanned"] += 1
        try:
            if not store.delete_if_idle(session_id, cutoff):
                continue  # used again since the scan
            summary["sessions_deleted"] += 1
            summary["turns_deleted"] += store.delete_turns(session_id)
        except Exception as exc:
            if aws.is_throttling(exc):
                raise  # the whole table is busy: stop, tomorrow's run goes on
            summary["errors"] += 1
            logger.warning(
                "Could not delete a session", extra={"session_id": session_id, "error_code": aws.error_code(exc)}
            )

