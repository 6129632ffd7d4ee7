"""Sessions and chat history in DynamoDB.

A session belongs to the user who created it; another user's, an expired or an unknown session
all look the same to a caller (not found). Sessions slide: each chat turn moves `expiresAt`.
History items are keyed by session and epoch milliseconds and carry `userId` for the
UserSessionIndex, and their own `expiresAt`.
"""

from __future__ import annotations

import os
import time
import uuid
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from chatbot_core.errors import NotFound

_resource = None


def _table(variable: str):
    global _resource
    if _resource is None:
        _resource = boto3.resource("dynamodb")
    return _resource.Table(os.environ[variable])


def reset() -> None:
    """Drop the cached client (tests)."""
    global _resource
    _resource = None


def _session_ttl() -> int:
    return int(os.environ.get("SESSION_TTL_HOURS", "24")) * 3600


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in item.items()}


def create_session(user: str, title: str = "", now: float | None = None) -> dict[str, Any]:
    now = int(now if now is not None else time.time())
    item = {"sessionId": uuid.uuid4().hex, "userId": user, "status": "active",
            "createdAt": now, "lastActiveAt": now, "expiresAt": now + _session_ttl()}
    if title:
        item["title"] = title
    _table("SESSIONS_TABLE").put_item(
        Item=item, ConditionExpression="attribute_not_exists(sessionId)")
    return item


def get_session(session_id: str, user: str, now: float | None = None) -> dict[str, Any]:
    """The caller's active session, or NotFound."""
    now = now if now is not None else time.time()
    item = _table("SESSIONS_TABLE").get_item(Key={"sessionId": session_id},
                                             ConsistentRead=True).get("Item")
    # DynamoDB deletes expired items lazily: an item past expiresAt is gone for the caller.
    if not item or item.get("userId") != user or item.get("status") != "active" \
            or int(item.get("expiresAt", 0)) <= now:
        raise NotFound("no such session")
    return _plain(item)


def touch_session(session_id: str, user: str, now: float | None = None) -> None:
    now = int(now if now is not None else time.time())
    _table("SESSIONS_TABLE").update_item(
        Key={"sessionId": session_id},
        UpdateExpression="SET lastActiveAt = :now, expiresAt = :expires",
        ConditionExpression="userId = :user AND #status = :active",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":now": now, ":expires": now + _session_ttl(),
                                   ":user": user, ":active": "active"})


def expire_session(session_id: str, user: str, now: float | None = None) -> None:
    """Mark the caller's session expired now (TTL deletes it later); NotFound if not theirs."""
    table = _table("SESSIONS_TABLE")
    now = int(now if now is not None else time.time())
    try:
        table.update_item(
            Key={"sessionId": session_id},
            UpdateExpression="SET #status = :expired, expiresAt = :now, lastActiveAt = :now",
            ConditionExpression="userId = :user AND #status = :active AND expiresAt > :now",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":expired": "expired", ":now": now, ":user": user,
                                       ":active": "active"})
    except table.meta.client.exceptions.ConditionalCheckFailedException as exc:
        raise NotFound("no such session") from exc


def recent_messages(session_id: str, limit: int) -> list[dict[str, Any]]:
    """The last `limit` messages of the session, oldest first."""
    if limit <= 0:
        return []
    items = _table("HISTORY_TABLE").query(
        KeyConditionExpression=Key("sessionId").eq(session_id), ScanIndexForward=False,
        Limit=limit)["Items"]
    return [_plain(i) for i in reversed(items)]


def append_messages(session_id: str, user: str, messages: list[tuple[str, str]],
                    now_ms: int | None = None) -> int:
    """Write (role, content) pairs with increasing timestamps; return the last timestamp."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    expires = now_ms // 1000 + int(os.environ.get("HISTORY_TTL_DAYS", "30")) * 86400
    table = _table("HISTORY_TABLE")
    with table.batch_writer() as batch:
        for offset, (role, content) in enumerate(messages):
            batch.put_item(Item={"sessionId": session_id, "timestamp": now_ms + offset,
                                 "userId": user, "role": role, "content": content,
                                 "expiresAt": expires})
    return now_ms + len(messages) - 1
