"""Errors a handler turns into an HTTP answer; messages are safe to show to a caller."""

from __future__ import annotations


class ApiError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class NotFound(ApiError):
    status, code = 404, "not_found"


class UpstreamError(ApiError):
    """The remote API answered with an error we do not retry (4xx other than 401/429)."""

    status, code = 502, "upstream_error"

    def __init__(self, message: str, upstream_status: int | None = None) -> None:
        super().__init__(message)
        self.upstream_status = upstream_status


class UpstreamUnauthorized(UpstreamError):
    """401 from the remote API: the token or key is wrong or expired."""

    code = "upstream_unauthorized"


class UpstreamUnavailable(UpstreamError):
    """Still 429/5xx or unreachable after the retries."""

    status, code = 503, "upstream_unavailable"


class UpstreamTimeout(UpstreamError):
    status, code = 504, "upstream_timeout"
