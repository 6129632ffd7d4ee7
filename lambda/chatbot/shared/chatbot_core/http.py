"""HTTP calls to the Salesforce and chat completion APIs with one explicit retry policy.

urllib3 carries the requests (pooled TLS connections, separate connect and read timeouts);
the retry decisions are made here so they are readable and tested:
- attempts: at most `max_attempts` (3);
- retried: connection errors, timeouts (unless the call says a repeat is unsafe), and the
  statuses 429, 500, 502, 503, 504;
- wait: `Retry-After` when the server sends seconds (capped at `retry_after_max`), otherwise
  exponential backoff `backoff * 2**n` (capped at `backoff_max`);
- budget: no attempt starts unless it can finish (its read timeout included) before
  `time_budget` seconds after the call began, so the Lambda answers before API Gateway's 29 s;
- never retried: 401 (the caller refreshes its token once, `UpstreamUnauthorized`) and other 4xx
  (`UpstreamError`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError, ProtocolError, TimeoutError as Urllib3Timeout

from chatbot_core.errors import (UpstreamError, UpstreamTimeout, UpstreamUnauthorized,
                                 UpstreamUnavailable)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpPolicy:
    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    max_attempts: int = 3
    backoff: float = 0.25
    backoff_max: float = 2.0
    retry_after_max: float = 5.0
    time_budget: float = 25.0


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise UpstreamError(f"answer is not JSON (status {self.status})", self.status) from exc


class HttpClient:
    """One per remote API and Lambda container (connections are reused between invocations)."""

    def __init__(self, name: str, policy: HttpPolicy = HttpPolicy(), *,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.policy = policy
        self._sleep, self._clock = sleep, clock
        self._pool = urllib3.PoolManager(retries=False, maxsize=4)

    def request(self, method: str, url: str, *, headers: Mapping[str, str] | None = None,
                body: bytes | None = None, repeatable: bool = True,
                read_timeout: float | None = None) -> Response:
        """Send with the policy above; 2xx and non-retried 404 come back, the rest raises.

        `repeatable=False` for a call that must not run twice: it is then retried only when the
        server cannot have processed it (connection refused, 429, 503)."""
        policy = self.policy
        read = read_timeout or policy.read_timeout
        deadline = self._clock() + policy.time_budget
        last = ""
        for attempt in range(policy.max_attempts):
            if self._clock() + policy.connect_timeout + read > deadline:
                break
            try:
                raw = self._pool.request(
                    method, url, headers=dict(headers or {}), body=body, redirect=False,
                    timeout=urllib3.Timeout(connect=policy.connect_timeout, read=read),
                    preload_content=True)
            except (Urllib3Timeout, ProtocolError, HTTPError) as exc:
                unsent = isinstance(exc, urllib3.exceptions.NewConnectionError)
                last = f"{type(exc).__name__}"
                if not (repeatable or unsent):
                    raise UpstreamTimeout(f"{self.name}: no answer ({last})") from exc
                wait = self._backoff(attempt)
            else:
                response = Response(raw.status, raw.data or b"", dict(raw.headers))
                if raw.status < 300 or raw.status == 404:
                    return response
                if raw.status == 401:
                    raise UpstreamUnauthorized(f"{self.name}: 401 unauthorized", 401)
                if raw.status not in RETRY_STATUSES or not (
                        repeatable or raw.status in (429, 503)):
                    raise UpstreamError(f"{self.name}: status {raw.status}", raw.status)
                last = f"status {raw.status}"
                wait = self._retry_after(raw.headers.get("Retry-After"), attempt)
            if attempt + 1 < policy.max_attempts:
                if self._clock() + wait + policy.connect_timeout + read > deadline:
                    break
                self._sleep(wait)
        if last.startswith("status"):
            raise UpstreamUnavailable(f"{self.name}: {last} after retries", int(last.split()[1]))
        raise UpstreamTimeout(f"{self.name}: unreachable or too slow ({last or 'no time left'})")

    def _backoff(self, attempt: int) -> float:
        return min(self.policy.backoff * 2 ** attempt, self.policy.backoff_max)

    def _retry_after(self, value: str | None, attempt: int) -> float:
        try:
            seconds = float(value) if value is not None else None
        except ValueError:  # an HTTP date: fall back to our own backoff
            seconds = None
        if seconds is None or seconds < 0:
            return self._backoff(attempt)
        return min(seconds, self.policy.retry_after_max)
