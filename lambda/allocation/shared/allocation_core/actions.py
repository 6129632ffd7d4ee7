"""Bedrock action groups in the standard library: operations declared as data, one handler
that routes an OpenAPI action-group event to them, and the OpenAPI 3.0 document Bedrock reads
(generated from the same declarations by lambda/allocation/generate_schemas.py).

Bedrock sends every parameter and body property as a string with the declared type; `Field`
converts and checks it (range, pattern) before an operation runs. Every answer is a Bedrock
response with a JSON body; errors are {"statusCode", "error", "message"}: 400 for bad input,
404 for an unknown operation or object, 500 (generic message) for anything unexpected.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

logger = logging.getLogger(__name__)
OPENAPI_VERSION = "3.0.3"
API_VERSION = "1.0.0"


class ActionError(Exception):
    """An answer other than 200: `status` and a message the agent can act on."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = int(status)
        self.message = message


def bad_input(message: str) -> ActionError:
    return ActionError(HTTPStatus.BAD_REQUEST, message)


def not_found(message: str) -> ActionError:
    return ActionError(HTTPStatus.NOT_FOUND, message)


@dataclass(frozen=True)
class Field:
    """One parameter or body property: OpenAPI type and the checks of its converted value."""

    name: str
    type: str  # "string" | "number" | "integer" | "boolean"
    description: str
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    max_length: int | None = None
    default: Any = None
    #: Path parameter (in the URL template) instead of a query parameter; body fields ignore it.
    in_path: bool = False

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.type, "description": self.description}
        for key, value in (("minimum", self.minimum), ("maximum", self.maximum),
                           ("pattern", self.pattern), ("maxLength", self.max_length),
                           ("default", self.default)):
            if value is not None:
                schema[key] = value
        return schema

    def convert(self, raw: Any) -> Any:
        where = f"{self.name}"
        if self.type == "string":
            value = raw if isinstance(raw, str) else json.dumps(raw)
            if self.max_length is not None and len(value) > self.max_length:
                raise bad_input(f"{where} must have at most {self.max_length} characters")
            if self.pattern is not None and not re.fullmatch(self.pattern, value):
                raise bad_input(f"{where} must match {self.pattern}")
            return value
        if self.type == "boolean":
            text = str(raw).strip().lower()
            if text not in ("true", "false"):
                raise bad_input(f"{where} must be true or false")
            return text == "true"
        try:
            number = float(raw) if not isinstance(raw, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or (self.type == "integer" and number != int(number)):
            raise bad_input(f"{where} must be a{'n integer' if self.type == 'integer' else ' number'}")
        if (self.minimum is not None and number < self.minimum) or \
                (self.maximum is not None and number > self.maximum):
            raise bad_input(f"{where} must be between {self.minimum} and {self.maximum}")
        return int(number) if self.type == "integer" else number


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # "get" | "post"
    path: str  # "/jobs/{job_id}/risk"
    summary: str
    description: str
    run: Callable[..., dict[str, Any]]
    parameters: tuple[Field, ...] = ()
    body: tuple[Field, ...] = ()
    #: Description of the 200 answer's JSON object.
    returns: str = "The result"

    def openapi(self) -> dict[str, Any]:
        operation: dict[str, Any] = {
            "operationId": self.operation_id, "summary": self.summary,
            "description": self.description,
            "responses": {
                "200": {"description": self.returns,
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"description": "Invalid input; the message says which field and why",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                "404": {"description": "No such object",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
            },
        }
        if self.parameters:
            operation["parameters"] = [
                {"name": f.name, "in": "path" if f.in_path else "query", "description": f.description,
                 "required": f.required or f.in_path, "schema": f.schema()} for f in self.parameters]
        if self.body:
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"type": "object",
                           "properties": {f.name: f.schema() for f in self.body},
                           "required": [f.name for f in self.body if f.required]}}}}
        return operation


@dataclass
class ActionGroup:
    title: str
    description: str
    operations: list[Operation] = field(default_factory=list)

    def operation(self, **kwargs: Any) -> Callable[[Callable[..., dict]], Callable[..., dict]]:
        """Decorator: declare the decorated function as an operation of this group."""
        def register(function: Callable[..., dict]) -> Callable[..., dict]:
            self.operations.append(Operation(run=function, **kwargs))
            return function
        return register

    def openapi(self) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            paths.setdefault(op.path, {})[op.method] = op.openapi()
        return {"openapi": OPENAPI_VERSION,
                "info": {"title": self.title, "version": API_VERSION,
                         "description": self.description},
                "paths": paths}

    def handle(self, event: Any) -> dict[str, Any]:
        """The Bedrock response to `event`, whatever it holds."""
        source = event if isinstance(event, Mapping) else {}
        try:
            status, body = HTTPStatus.OK, self._dispatch(source)
        except ActionError as error:
            status, body = error.status, _error(error.status, error.message)
        except Exception:  # noqa: BLE001 - the agent gets a generic answer, the log the details
            logger.exception("unexpected error in action %s", source.get("apiPath"))
            status = HTTPStatus.INTERNAL_SERVER_ERROR
            body = _error(status, "Something went wrong on our side. Please try again later.")
        response: dict[str, Any] = {"messageVersion": "1.0", "response": {
            "actionGroup": _text(source, "actionGroup"), "apiPath": _text(source, "apiPath"),
            "httpMethod": _text(source, "httpMethod"), "httpStatusCode": int(status),
            "responseBody": {"application/json": {"body": json.dumps(body, separators=(",", ":"))}}}}
        for key in ("sessionAttributes", "promptSessionAttributes"):
            attributes = source.get(key)
            if isinstance(attributes, Mapping) and all(
                    isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()):
                response[key] = dict(attributes)
        return response

    def _dispatch(self, event: Mapping[str, Any]) -> dict[str, Any]:
        path, method = event.get("apiPath"), event.get("httpMethod")
        if not isinstance(path, str) or not isinstance(method, str):
            raise bad_input("the event has no apiPath or httpMethod")
        operation = next((op for op in self.operations
                          if op.path == path and op.method == method.lower()), None)
        if operation is None:
            raise not_found(f"This action group has no operation {method.upper()} {path}.")
        given = _pairs(event.get("parameters"))
        body = event.get("requestBody")
        content = body.get("content", {}) if isinstance(body, Mapping) else {}
        media = content.get("application/json") if isinstance(content, Mapping) else None
        given_body = _pairs(media.get("properties") if isinstance(media, Mapping) else None)
        arguments = {**_convert(operation.parameters, given), **_convert(operation.body, given_body)}
        return operation.run(**arguments)


def _pairs(items: Any) -> dict[str, Any]:
    if items is None:
        return {}
    if not isinstance(items, list):
        raise bad_input("parameters must be a list of {name, type, value}")
    pairs = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or "value" not in item:
            raise bad_input("every parameter needs a name and a value")
        pairs[item["name"]] = item["value"]
    return pairs


def _convert(fields: tuple[Field, ...], given: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for f in fields:
        if f.name in given and given[f.name] is not None:
            values[f.name] = f.convert(given[f.name])
        elif f.required or f.in_path:
            raise bad_input(f"{f.name} is required")
        else:
            values[f.name] = f.default
    return values


def _text(source: Mapping[str, Any], key: str) -> str:
    value = source.get(key)
    return value if isinstance(value, str) else ""


def _error(status: int, message: str) -> dict[str, Any]:
    return {"statusCode": int(status), "error": HTTPStatus(status).phrase, "message": message}


def parse_weights(text: str) -> dict[str, float]:
    """"EQ=0.6,BD=0.4" -> {"EQ": 0.6, "BD": 0.4}: long-only weights summing to 1 (+-0.001)."""
    weights: dict[str, float] = {}
    for part in text.split(","):
        symbol, sep, raw = part.strip().partition("=")
        try:
            weight = float(raw)
        except ValueError:
            weight = math.nan
        if not sep or not symbol or not math.isfinite(weight) or not 0 <= weight <= 1:
            raise bad_input("weights must look like EQ=0.6,BD=0.4 (each weight 0-1)")
        if symbol in weights:
            raise bad_input(f"weights name {symbol} twice")
        weights[symbol] = weight
    if abs(sum(weights.values()) - 1) > 1e-3:
        raise bad_input("weights must sum to 1")
    return weights
