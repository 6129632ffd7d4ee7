"""Domain errors; each carries the HTTP status the Bedrock response reports and a message the
agent can relay to the customer (never internals, never secrets)."""

from __future__ import annotations

from http import HTTPStatus
from typing import ClassVar


class ActionError(Exception):
    """Base class: an expected failure turned into a Bedrock error response."""

    status: ClassVar[HTTPStatus] = HTTPStatus.INTERNAL_SERVER_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputError(ActionError):
    status = HTTPStatus.BAD_REQUEST


class NotFoundError(ActionError):
    status = HTTPStatus.NOT_FOUND


class ConflictError(ActionError):
    """The request is well formed but the current state forbids it (slot taken, no appointment)."""

    status = HTTPStatus.CONFLICT


class ConfigurationError(ActionError):
    """The function is deployed with missing or invalid settings."""

    status = HTTPStatus.INTERNAL_SERVER_ERROR


class UpstreamError(ActionError):
    """PF360 failed or answered something we cannot use."""

    status = HTTPStatus.BAD_GATEWAY


class UpstreamUnavailableError(UpstreamError):
    """PF360 unreachable or rate limiting us; worth trying again later."""

    status = HTTPStatus.SERVICE_UNAVAILABLE


class UpstreamTimeoutError(UpstreamError):
    status = HTTPStatus.GATEWAY_TIMEOUT
