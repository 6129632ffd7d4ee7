"""One SQS batch with partial batch responses, for the queue consumers.

A message that fails (malformed, refused by PF360, throttled, any error) is returned in
`batchItemFailures` and received again; after the queue's maxReceiveCount SQS moves it to the
dead-letter queue. One bad message never fails the others, and the handler never raises.
"""

from __future__ import annotations

from typing import Any, Callable

from pf_actions import aws, metrics
from pf_actions.errors import ActionError
from pf_actions.log import logger


class BadMessage(Exception):
    """The body is not a message this consumer knows; retrying will not help."""


def process_batch(event: Any, handle: Callable[[str, Any], None],
                  what: str) -> dict[str, list[dict[str, str]]]:
    """Call `handle(message_id, body)` for each record; `what` names a message in the logs
    ("Task", "Notification")."""
    records = event.get("Records") if isinstance(event, dict) else None
    failures: list[dict[str, str]] = []
    for record in records if isinstance(records, list) else []:
        message_id = record.get("messageId") if isinstance(record, dict) else None
        if not isinstance(message_id, str) or not message_id:
            logger.error("A record without messageId was skipped")
            continue
        try:
            handle(message_id, record.get("body"))
        except BadMessage as exc:
            logger.error(f"Malformed {what.lower()}", extra={"message_id": message_id,
                                                             "reason": str(exc)})
            failures.append({"itemIdentifier": message_id})
        except ActionError as exc:
            logger.warning(f"{what} refused", extra={"message_id": message_id,
                                                     "status": int(exc.status)})
            failures.append({"itemIdentifier": message_id})
        except Exception as exc:
            logger.exception(f"{what} failed", extra={"message_id": message_id,
                                                      "error_code": aws.error_code(exc)})
            metrics.count("LambdaErrors")
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
