"""`POST /chat` of the chatbot API: {"sessionId", "message"} -> the model's reply.

The session must be the caller's and active. The last `HISTORY_MESSAGES` messages go to the
OpenAI-compatible chat completion API with the question; question and reply are then written
to the history and the session's expiry moves forward. An upstream failure answers 502/503/504
and writes nothing, so a retried question is not stored twice.
"""

from __future__ import annotations

import os
import re

from chatbot_core import completion, store
from chatbot_core.api import handle, json_body, response, user_id
from chatbot_core.errors import BadRequest, NotFound

SESSION_ID = re.compile(r"[0-9a-f]{32}")
MAX_MESSAGE = 4000


def chat(event: dict) -> dict:
    user = user_id(event)
    body = json_body(event)
    session_id, message = body.get("sessionId"), body.get("message")
    if not isinstance(message, str) or not message.strip() or len(message) > MAX_MESSAGE:
        raise BadRequest(f"message must be 1-{MAX_MESSAGE} characters")
    if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
        raise NotFound("no such session")
    store.get_session(session_id, user)
    history = store.recent_messages(session_id, int(os.environ.get("HISTORY_MESSAGES", "10")))
    reply = completion.complete(history, message)
    timestamp = store.append_messages(session_id, user, [("user", message), ("assistant", reply)])
    store.touch_session(session_id, user)
    return response(200, {"sessionId": session_id, "reply": reply, "timestamp": timestamp}, event)


ROUTES = {("POST", "/chat"): chat}


def lambda_handler(event: dict, context: object = None) -> dict:
    return handle(ROUTES, event)
