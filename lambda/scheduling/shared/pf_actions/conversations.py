"""Chat sessions and their turns in DynamoDB (Phase 2: chat_api and cleanup_sessions).

SESSION_TABLE       partition session_id (S); customer_id, client_id (S); created_at,
                    updated_at (N, epoch seconds); expires_at (N, TTL: updated_at + session_idle_days)
CONVERSATION_TABLE  partition session_id (S), sort timestamp (N, epoch milliseconds); role
                    ("user" | "assistant"), text (S); expires_at (N, TTL: 30 days after the turn)

A session belongs to the customer (and client) that started it: `claim` creates it or renews
it in one conditional write, and refuses another customer (SessionForbidden), so two callers
can never share a Bedrock session.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pf_actions import aws

TURN_TTL_SECONDS = 30 * 86400
DAY_SECONDS = 86400

Role = Literal["user", "assistant"]


class SessionForbidden(Exception):
    """The session belongs to another customer."""


@dataclass(frozen=True)
class Session:
    session_id: str
    customer_id: str
    client_id: str
    created_at: int
    updated_at: int

    def as_json(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "customer_id": self.customer_id,
            "client_id": self.client_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class Turn:
    role: Role
    text: str
    timestamp: int  # epoch milliseconds

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "text": self.text, "timestamp": self.timestamp}


class ConversationStore:
    def __init__(
        self, session_table: str, conversation_table: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.session_table = session_table
        self.conversation_table = conversation_table
        self._clock = clock

    # Sessions

    def claim(self, session_id: str, customer_id: str, client_id: str, idle_days: int) -> Session:
        """Create the session for this customer, or renew it if it is theirs already."""
        from botocore.exceptions import ClientError

        now = int(self._clock())
        try:
            item = self._db().update_item(
                TableName=self.session_table,
                Key={"session_id": {"S": session_id}},
                UpdateExpression=(
                    "SET customer_id = :c, client_id = :k, updated_at = :now, expires_at = :exp, "
                    "created_at = if_not_exists(created_at, :now)"
                ),
                ConditionExpression="attribute_not_exists(session_id) OR (customer_id = :c AND client_id = :k)",
                ExpressionAttributeValues={
                    ":c": {"S": customer_id},
                    ":k": {"S": client_id},
                    ":now": {"N": str(now)},
                    ":exp": {"N": str(now + idle_days * DAY_SECONDS)},
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                raise SessionForbidden(session_id) from None
            raise
        return _session(item)

    def get(self, session_id: str) -> Session | None:
        item = self._db().get_item(
            TableName=self.session_table, Key={"session_id": {"S": session_id}}, ConsistentRead=True
        ).get("Item")
        return _session(item) if item else None

    def delete(self, session_id: str) -> int:
        """Delete the session's turns, then the session (so a failed delete can be repeated);
        the number of turns deleted."""
        deleted = self.delete_turns(session_id)
        self._db().delete_item(TableName=self.session_table, Key={"session_id": {"S": session_id}})
        return deleted

    def idle_sessions(self, updated_before: int) -> Iterator[str]:
        """Ids of the sessions last used before `updated_before` (epoch seconds); a paginated scan."""
        pages = self._db().get_paginator("scan").paginate(
            TableName=self.session_table,
            FilterExpression="updated_at < :cutoff",
            ExpressionAttributeValues={":cutoff": {"N": str(updated_before)}},
            ProjectionExpression="session_id",
        )
        for page in pages:
            for item in page.get("Items", []):
                yield item["session_id"]["S"]

    def delete_if_idle(self, session_id: str, updated_before: int) -> bool:
        """Delete the session unless it was used again meanwhile (then False)."""
        from botocore.exceptions import ClientError

        try:
            self._db().delete_item(
                TableName=self.session_table,
                Key={"session_id": {"S": session_id}},
                ConditionExpression="updated_at < :cutoff",
                ExpressionAttributeValues={":cutoff": {"N": str(updated_before)}},
            )
        except ClientError as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # Turns

    def record_exchange(self, session_id: str, question: str, asked_at_ms: int, answer: str) -> None:
        """Store the user's turn (at `asked_at_ms`) and the assistant's (now, always later)."""
        answered_at_ms = max(int(self._clock() * 1000), asked_at_ms + 1)
        items = [self._turn_item(session_id, "user", question, asked_at_ms)]
        items.append(self._turn_item(session_id, "assistant", answer, answered_at_ms))
        requests = [{"PutRequest": {"Item": item}} for item in items]
        for attempt in range(4):
            unprocessed = self._db().batch_write_item(RequestItems={self.conversation_table: requests})
            requests = unprocessed.get("UnprocessedItems", {}).get(self.conversation_table, [])
            if not requests:
                return
            time.sleep(0.05 * 2**attempt)
        raise RuntimeError("conversation turns left unprocessed")

    def turns(self, session_id: str, limit: int) -> tuple[list[Turn], bool]:
        """The session's last `limit` turns, oldest first, and whether older ones were left out."""
        found: list[Turn] = []
        kwargs: dict[str, Any] = {
            "TableName": self.conversation_table,
            "KeyConditionExpression": "session_id = :s",
            "ExpressionAttributeValues": {":s": {"S": session_id}},
            "ScanIndexForward": False,
            "ConsistentRead": True,
        }
        while True:
            page = self._db().query(**kwargs, Limit=limit + 1 - len(found))
            found.extend(turn for turn in map(_turn, page.get("Items", [])) if turn is not None)
            if len(found) > limit or "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        truncated = len(found) > limit
        return list(reversed(found[:limit])), truncated

    def delete_turns(self, session_id: str) -> int:
        keys = []
        pages = self._db().get_paginator("query").paginate(
            TableName=self.conversation_table,
            KeyConditionExpression="session_id = :s",
            ExpressionAttributeValues={":s": {"S": session_id}},
            ProjectionExpression="session_id, #ts",
            ExpressionAttributeNames={"#ts": "timestamp"},
        )
        for page in pages:
            keys.extend(page.get("Items", []))
        aws.batch_delete(self._db(), self.conversation_table, keys)
        return len(keys)

    # Plumbing

    @staticmethod
    def _db() -> Any:
        return aws.client("dynamodb")

    @staticmethod
    def _turn_item(session_id: str, role: Role, text: str, at_ms: int) -> dict[str, Any]:
        return {
            "session_id": {"S": session_id},
            "timestamp": {"N": str(at_ms)},
            "role": {"S": role},
            "text": {"S": text},
            "expires_at": {"N": str(at_ms // 1000 + TURN_TTL_SECONDS)},
        }


def _session(item: dict[str, Any]) -> Session:
    return Session(
        session_id=item["session_id"]["S"],
        customer_id=item.get("customer_id", {}).get("S", ""),
        client_id=item.get("client_id", {}).get("S", ""),
        created_at=int(item.get("created_at", {}).get("N", "0")),
        updated_at=int(item.get("updated_at", {}).get("N", "0")),
    )


def _turn(item: dict[str, Any]) -> Turn | None:
    role = item.get("role", {}).get("S")
    if role not in ("user", "assistant"):
        return None
    return Turn(role=role, text=item.get("text", {}).get("S", ""), timestamp=int(item["timestamp"]["N"]))
