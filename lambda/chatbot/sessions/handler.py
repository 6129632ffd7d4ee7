"""Sessions of the chatbot API: `POST /sessions` (create), `GET /sessions/{session_id}` (read),
`DELETE /sessions/{session_id}` (expire now; DynamoDB's TTL deletes it later), and
`GET /health` (open, reads nothing)."""

from __future__ import annotations

import re

from chatbot_core import store
from chatbot_core.api import handle, json_body, path_parameter, response, user_id
from chatbot_core.errors import BadRequest, NotFound

SESSION_ID = re.compile(r"[0-9a-f]{32}")
PUBLIC = ("sessionId", "status", "title", "createdAt", "lastActiveAt", "expiresAt")


def _session_id(event: dict) -> str:
    value = path_parameter(event, "session_id")
    if not SESSION_ID.fullmatch(value):
        raise NotFound("no such session")
    return value


def _public(item: dict) -> dict:
    return {k: item[k] for k in PUBLIC if k in item}


def health(event: dict) -> dict:
    return response(200, {"status": "ok"}, event)


def create(event: dict) -> dict:
    body = json_body(event)
    title = body.get("title", "")
    if not isinstance(title, str) or len(title) > 200 or set(body) - {"title"}:
        raise BadRequest("body may hold only title, a string of at most 200 characters")
    return response(201, _public(store.create_session(user_id(event), title)), event)


def read(event: dict) -> dict:
    return response(200, _public(store.get_session(_session_id(event), user_id(event))), event)


def expire(event: dict) -> dict:
    store.expire_session(_session_id(event), user_id(event))
    return response(204, None, event)


ROUTES = {("GET", "/health"): health, ("POST", "/sessions"): create,
          ("GET", "/sessions/{session_id}"): read, ("DELETE", "/sessions/{session_id}"): expire}


def lambda_handler(event: dict, context: object = None) -> dict:
    return handle(ROUTES, event)
