"""The WebSocket API's routes, one function: `$connect` records the connection (with a TTL a
little past API Gateway's two-hour connection limit), `$disconnect` forgets it, `$default`
answers {"action": "status", "job_id": "<id>"} with the job's latest status, posted back on
the same connection through the management API (https://<domain>/<stage>)."""

from __future__ import annotations

import json
import os
import time
import uuid

import boto3

from allocation_core import store

MAX_MESSAGE_BYTES = 4096


def _ttl_seconds() -> int:
    return int(os.environ.get("CONNECTION_TTL_SECONDS", "7800"))


def connect(context: dict) -> dict:
    identity = context.get("identity") or {}
    now = int(time.time())
    store.connections_table().put_item(Item={
        "connection_id": context["connectionId"], "connected_at": now,
        "caller": str(identity.get("userArn") or identity.get("caller") or "anonymous")[:512],
        "expires_at": now + _ttl_seconds()})
    return {"statusCode": 200}


def disconnect(context: dict) -> dict:
    store.connections_table().delete_item(Key={"connection_id": context["connectionId"]})
    return {"statusCode": 200}


def answer_for(body: str | None) -> dict:
    """The message sent back for a client message (never raises on client input)."""
    if body is None or len(body.encode("utf-8")) > MAX_MESSAGE_BYTES:
        return {"error": f"send a JSON message of at most {MAX_MESSAGE_BYTES} bytes"}
    try:
        message = json.loads(body)
    except json.JSONDecodeError:
        return {"error": "the message must be JSON"}
    if not isinstance(message, dict) or message.get("action") != "status":
        return {"error": 'unknown action; send {"action": "status", "job_id": "<job id>"}'}
    try:
        job_id = str(uuid.UUID(str(message.get("job_id", ""))))
    except ValueError:
        return {"error": "job_id must be the id returned by POST /optimize"}
    record = store.latest_status(job_id)
    if record is None:
        return {"job_id": job_id, "error": "no such job"}
    reply = {"job_id": job_id, "status": record["status"], "updated_at": record["timestamp"]}
    if record.get("error"):
        reply["error"] = record["error"]
    return reply


def default(context: dict, body: str | None) -> dict:
    reply = answer_for(body)
    client = boto3.client("apigatewaymanagementapi",
                          endpoint_url=f"https://{context['domainName']}/{context['stage']}")
    try:
        client.post_to_connection(ConnectionId=context["connectionId"],
                                  Data=json.dumps(reply).encode())
    except client.exceptions.GoneException:
        # The client left without a $disconnect reaching us: forget the connection now.
        store.connections_table().delete_item(Key={"connection_id": context["connectionId"]})
    return {"statusCode": 200}


def lambda_handler(event, context=None):
    request = (event or {}).get("requestContext") or {}
    route = request.get("routeKey")
    if route == "$connect":
        return connect(request)
    if route == "$disconnect":
        return disconnect(request)
    if route == "$default":
        return default(request, event.get("body"))
    return {"statusCode": 400}
