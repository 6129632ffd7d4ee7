"""HTTP transport to the PF360 API: login token, timeouts, bounded retries, error mapping.

urllib3 (PoolManager + Retry) does the HTTP work. Policy, chosen for a 30 s Lambda timeout:
- each attempt: 3 s to connect, 8 s per read, 10 s in all;
- retries: at most 2, exponential backoff, on connect errors, read timeouts, 429 and 5xx;
  a non-idempotent call (POST) is retried only when it cannot have been processed (connect
  error, 429), so a slow booking is never made twice;
- budget: no attempt (login included) starts unless it can finish within 22 s of the call's
  start, which leaves the rest of the 30 s for cold start and the answer;
- no retry on other 4xx. A 401 on a data call means the token expired: log in once more.

Auth assumption (PF360 is undocumented): the login endpoint takes JSON
{"username", "password", "client_id"} and answers {"access_token", "expires_in"}; data calls
send "Authorization: Bearer <token>" and "X-Client-Id". See lambda/scheduling/README.md.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import urllib3
from urllib3.exceptions import (
    HTTPError,
    InvalidHeader,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ResponseError,
)
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.util.retry import Retry

from pf_actions.credentials import Pf360Credentials
from pf_actions.errors import (
    ActionError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from pf_actions.log import logger

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_TOKEN_EARLY_REFRESH_S = 60.0
_MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # str.format template; values are percent-encoded before substitution
    idempotent: bool


@dataclass(frozen=True)
class HttpPolicy:
    connect_timeout: float = 3.0
    read_timeout: float = 8.0
    attempt_timeout: float = 10.0
    time_budget: float = 22.0
    max_retries: int = 2
    backoff_factor: float = 0.25
    retry_after_max: int = 5  # seconds; a longer Retry-After is capped, the budget still applies


class _BudgetRetry(Retry):
    """urllib3 Retry that refuses an attempt that could not finish before the call's deadline."""

    def __init__(self, *args: Any, deadline: float = math.inf, attempt_timeout: float = 0.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.attempt_timeout = attempt_timeout

    def new(self, **kw: Any) -> _BudgetRetry:
        kw.setdefault("deadline", self.deadline)
        kw.setdefault("attempt_timeout", self.attempt_timeout)
        return super().new(**kw)

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> _BudgetRetry:
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = retry.get_backoff_time()
        if response is not None and retry.respect_retry_after_header:
            with contextlib.suppress(InvalidHeader):  # urllib3 itself reports a bad header
                wait = max(wait, retry.get_retry_after(response) or 0.0)
        if time.monotonic() + wait + self.attempt_timeout > self.deadline:
            raise MaxRetryError(_pool, url, error or ResponseError("PF360 call time budget spent"))
        return retry


class Pf360Client:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        *,
        login: Endpoint,
        credentials: Callable[[], Pf360Credentials],
        on_auth_failure: Callable[[], None] = lambda: None,
        policy: HttpPolicy | None = None,
        pool: urllib3.PoolManager | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._login = login
        self._credentials = credentials
        self._on_auth_failure = on_auth_failure
        self._policy = policy or HttpPolicy()
        self._pool = pool or urllib3.PoolManager(num_pools=2, maxsize=4)
        self._timeout = urllib3.Timeout(
            connect=self._policy.connect_timeout,
            read=self._policy.read_timeout,
            total=self._policy.attempt_timeout,
        )
        self._token: str | None = None
        self._token_valid_until = 0.0

    def call(
        self,
        endpoint: Endpoint,
        *,
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        client_id: str | None = None,
        not_found: str = "PF360 has no such record.",
    ) -> Any:
        """Send one API call and return its decoded JSON, or raise a pf_actions error."""
        deadline = time.monotonic() + self._policy.time_budget
        url = self._url(endpoint, path_params, query)
        response = self._send(
            endpoint, url, body, deadline=deadline, token=self._access_token(deadline), client_id=client_id
        )
        if response.status == 401:
            # Token expired or was revoked before its announced lifetime: log in again, once.
            self._token = None
            response = self._send(
                endpoint, url, body, deadline=deadline, token=self._access_token(deadline), client_id=client_id
            )
            if response.status == 401:
                raise self._auth_failed()
        return self._decode(response, not_found)

    # Authentication

    def _access_token(self, deadline: float) -> str:
        if self._token and time.monotonic() < self._token_valid_until:
            return self._token
        creds = self._credentials()
        body = {"username": creds.username, "password": creds.password, "client_id": self._client_id}
        login_url = self._url(self._login, None, None)
        response = self._send(self._login, login_url, body, deadline=deadline, token=None, client_id=None)
        if response.status in (401, 403):
            raise self._auth_failed()
        data = self._decode(response, "The PF360 login endpoint was not found.")
        token = data.get("access_token") if isinstance(data, dict) else None
        expires_in = data.get("expires_in", 3600) if isinstance(data, dict) else None
        if not isinstance(token, str) or not token or not isinstance(expires_in, (int, float)):
            raise UpstreamError("PF360 sent an unexpected login answer. Please try again later.")
        self._token = token
        self._token_valid_until = time.monotonic() + max(0.0, float(expires_in) - _TOKEN_EARLY_REFRESH_S)
        return token

    def _auth_failed(self) -> UpstreamError:
        self._token = None
        self._on_auth_failure()  # the secret may have been rotated: read it again next time
        logger.error("PF360 rejected the service credentials")
        return UpstreamError(
            "The scheduling system rejected our service credentials, so I cannot reach your records right "
            "now. Please try again later or contact support."
        )

    # Transport

    def _url(self, endpoint: Endpoint, path_params: Mapping[str, str] | None, query: Mapping[str, str] | None) -> str:
        # safe="" also encodes "/", so a value can never climb to another path.
        path = endpoint.path.format(**{key: quote(value, safe="") for key, value in (path_params or {}).items()})
        return self._base_url + path + (f"?{urlencode(query)}" if query else "")

    def _retry(self, endpoint: Endpoint, deadline: float) -> _BudgetRetry:
        retries = self._policy.max_retries
        return _BudgetRetry(
            total=retries,
            connect=retries,
            # A read error or a 5xx may come after PF360 acted: repeat only idempotent calls.
            read=retries if endpoint.idempotent else 0,
            status=retries,
            other=0,
            redirect=False,
            allowed_methods=None,
            status_forcelist=RETRY_STATUSES if endpoint.idempotent else frozenset({429}),
            backoff_factor=self._policy.backoff_factor,
            retry_after_max=self._policy.retry_after_max,
            raise_on_status=False,
            deadline=deadline,
            attempt_timeout=self._policy.attempt_timeout,
        )

    def _send(
        self,
        endpoint: Endpoint,
        url: str,
        body: Mapping[str, Any] | None,
        *,
        deadline: float,
        token: str | None,
        client_id: str | None,
    ) -> urllib3.BaseHTTPResponse:
        if time.monotonic() + self._policy.attempt_timeout > deadline:
            raise UpstreamTimeoutError(_TIMEOUT_MESSAGE)
        headers = {"Accept": "application/json", "X-Client-Id": client_id or self._client_id}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            response = self._pool.request(
                endpoint.method,
                url,
                body=payload,
                headers=headers,
                timeout=self._timeout,
                retries=self._retry(endpoint, deadline),
                redirect=False,
            )
        except MaxRetryError as exc:
            raise self._transport_error(endpoint, exc.reason, started) from None
        except HTTPError as exc:
            raise self._transport_error(endpoint, exc, started) from None
        logger.info(
            "PF360 call",
            extra={
                "endpoint": endpoint.name,
                "status_code": response.status,
                "attempts": len(response.retries.history) + 1 if response.retries else 1,
                "duration_ms": round((time.monotonic() - started) * 1000),
            },
        )
        return response

    @staticmethod
    def _transport_error(endpoint: Endpoint, reason: Exception | None, started: float) -> ActionError:
        logger.warning(
            "PF360 call failed",
            extra={
                "endpoint": endpoint.name,
                "error_type": type(reason).__name__,
                "duration_ms": round((time.monotonic() - started) * 1000),
            },
        )
        # NewConnectionError subclasses ConnectTimeoutError in urllib3 2.x: test it first.
        if isinstance(reason, (NewConnectionError, NameResolutionError)):
            return UpstreamUnavailableError(
                "The scheduling system cannot be reached right now. Please try again in a few minutes."
            )
        if isinstance(reason, Urllib3TimeoutError):
            return UpstreamTimeoutError(_TIMEOUT_MESSAGE)
        return UpstreamError("The scheduling system did not answer properly. Please try again in a few minutes.")

    # Answers

    @staticmethod
    def _decode(response: urllib3.BaseHTTPResponse, not_found: str) -> Any:
        status = response.status
        if 200 <= status < 300:
            if not response.data:
                return None
            try:
                return json.loads(response.data)
            except ValueError:
                raise UpstreamError(
                    "The scheduling system sent an unreadable answer. Please try again later."
                ) from None
        detail = _upstream_message(response)
        if status in (400, 422):
            raise InvalidInputError(f"The scheduling system rejected the request: {detail or 'invalid input'}.")
        if status == 404:
            raise NotFoundError(not_found)
        if status == 409:
            raise ConflictError(detail or "The request conflicts with the current state of the record.")
        if status == 429:
            raise UpstreamUnavailableError("The scheduling system is busy right now. Please try again in a minute.")
        if status >= 500:
            raise UpstreamError(
                f"The scheduling system had an internal problem (HTTP {status}). Please try again in a few minutes."
            )
        raise UpstreamError(f"The scheduling system refused the request (HTTP {status}). Please contact support.")


_TIMEOUT_MESSAGE = "The scheduling system did not answer in time. Please try again in a few minutes."


def _upstream_message(response: urllib3.BaseHTTPResponse) -> str:
    """PF360's own error text, if any, trimmed to something safe to hand to the agent."""
    try:
        data = json.loads(response.data or b"null")
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    for key in ("message", "error", "detail"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())  # no newlines or control runs
            return text[:_MESSAGE_LIMIT]
    return ""
