"""What a REST API route is (`Route`), how route methods authenticate (`MethodAuthorization`),
and the names derived from a route's path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from modules.suppressions import MIN_REASON

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+|\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass(frozen=True)
class Route:
    """One method on one path, e.g. Route("/sessions/{session_id}", "DELETE")."""

    #: "/" or "/"-separated segments; `{name}` segments are required path parameters.
    path: str
    method: str
    #: Callers must send the stage's API key in the `x-api-key` header.
    api_key_required: bool = True
    #: JSON schema (draft 4) the request body must match; the body is then validated.
    request_model: Mapping[str, Any] | None = None
    #: Why the route is callable without an API key; required when api_key_required is False
    #: or authorize is False.
    open_reason: str = ""
    #: Behind the API's authorizer, when it has one; False keeps this route open (e.g. /health).
    authorize: bool = True
    #: Key of one of the API's extra `Backend`s serving this route; "" is the API's function.
    backend: str = ""

    def __post_init__(self) -> None:
        where = f"route {self.method} {self.path}"
        segments = self.segments
        if not self.path.startswith("/") or (self.path != "/" and not all(
                _SEGMENT.fullmatch(s) for s in segments)):
            raise ValueError(f"{where}: path must be '/' or '/'-separated segments of letters, "
                             "digits and ._- or '{name}' parameters, without a trailing '/'")
        if len(set(self.path_parameters)) != len(self.path_parameters):
            raise ValueError(f"{where}: a path parameter name appears twice")
        if self.method not in METHODS:
            raise ValueError(f"{where}: method must be one of {', '.join(METHODS)}")
        if self.request_model is not None and self.method == "GET":
            raise ValueError(f"{where}: a GET request has no body to validate against a model")
        if not self.api_key_required and len(self.open_reason.strip()) < MIN_REASON:
            raise ValueError(f"{where}: a route without an API key needs an open_reason of at "
                             f"least {MIN_REASON} characters")
        if not self.authorize and len(self.open_reason.strip()) < MIN_REASON:
            raise ValueError(f"{where}: a route outside the authorizer needs an open_reason of at "
                             f"least {MIN_REASON} characters")

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.split("/")[1:]) if self.path != "/" else ()

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(s[1:-1] for s in self.segments if s.startswith("{"))


@dataclass(frozen=True)
class MethodAuthorization:
    """How callers authenticate on every route method besides the API key.

    `modules.rest_api_authorizer.attach_authorizer` returns one (COGNITO_USER_POOLS or CUSTOM
    with the authorizer's id and scopes); routes with `authorize=False` keep NONE."""

    authorization: str = "NONE"
    authorizer_id: str | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Backend:
    """A Lambda function serving some routes of an API instead of its main function (routes
    name it by `key`); it may be invoked only through those routes."""

    key: str
    function_arn: str
    function_name: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", self.key):
            raise ValueError(f"backend key {self.key!r} must be 1-32 lowercase letters, digits "
                             "or '_', starting with a letter")


def source_path(route: Route) -> str:
    """The route in an execute-api source ARN: path parameters become `*`."""
    return "/".join("*" if s.startswith("{") else s for s in route.segments)


def slug(path: str) -> str:
    """Logical-id part of a path: `/sessions/{session_id}` -> `sessions__session_id`."""
    parts = [re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_") for s in path.split("/")[1:] if s]
    return "__".join(parts) or "root"


def model_name(route: Route) -> str:
    """Alphanumeric model name: POST /sessions/{session_id} -> PostSessionsSessionIdBody."""
    words = re.split(r"[^A-Za-z0-9]+", route.path)
    return route.method.title() + "".join(w[:1].upper() + w[1:] for w in words if w) + "Body"
