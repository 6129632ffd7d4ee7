"""The OpenAI-compatible chat completion API (`POST <base>/chat/completions`).

The API key comes from Secrets Manager (`{"api_key"}`); a 401 means the key was replaced, so
the secret is read once more and the call repeated once.
"""

from __future__ import annotations

import json
import os

from chatbot_core import secrets
from chatbot_core.errors import UpstreamError, UpstreamUnauthorized
from chatbot_core.http import HttpClient, HttpPolicy

SYSTEM_PROMPT = ("You are the assistant of a customer platform. Answer briefly and precisely; "
                 "say so when you do not know.")
# The model may think for a while: one long attempt, then one retry within API Gateway's 29 s.
POLICY = HttpPolicy(connect_timeout=2.0, read_timeout=12.0, max_attempts=3, time_budget=26.0)
_client: HttpClient | None = None


def client() -> HttpClient:
    global _client
    if _client is None:
        _client = HttpClient("chat completion API", POLICY)
    return _client


def set_client(value: HttpClient | None) -> None:
    global _client
    _client = value


def complete(history: list[dict], question: str) -> str:
    """The model's answer to `question` after the earlier `history` messages."""
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    messages += [{"role": m["role"], "content": m["content"]} for m in history
                 if m.get("role") in ("user", "assistant")]
    messages.append({"role": "user", "content": question})
    body = json.dumps({"model": os.environ["OPENAI_MODEL"], "messages": messages,
                       "max_tokens": int(os.environ.get("OPENAI_MAX_TOKENS", "512"))}).encode()
    url = os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions"
    arn = os.environ["OPENAI_SECRET_ARN"]
    for refresh in (False, True):
        key = secrets.read_json(arn, ("api_key",), refresh=refresh)["api_key"]
        try:
            response = client().request("POST", url, body=body, headers={
                "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            break
        except UpstreamUnauthorized:
            if refresh:
                raise
    if response.status != 200:
        raise UpstreamError(f"chat completion API: status {response.status}", response.status)
    answer = response.json()
    try:
        content = answer["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise UpstreamError("chat completion answer has no message") from exc
    if not isinstance(content, str) or not content.strip():
        raise UpstreamError("chat completion answer is empty")
    return content.strip()
