"""Bedrock action-group plumbing around Powertools' BedrockAgentResolver.

- `create_app()` builds the resolver with our error mapping registered;
- `make_lambda_handler(app)` wraps `app.resolve` so that every event, however malformed, gets a
  well-formed Bedrock response, with the session attributes carried back;
- `customer_scope(app)` gives a route its data source and the customer from the session attributes.

Error mapping (every error body is {"statusCode", "error", "message"}):
  malformed event, missing/invalid parameter (Powertools' 422) -> 400
  unknown apiPath/httpMethod -> 404; pf_actions.errors.* -> their own status (400/404/409/5xx);
  anything unexpected -> 500 with a generic message (details only in the logs).

Phase 2: an unexpected error (and a misconfiguration) also counts one LambdaErrors metric, and
each invocation starts by making sure the SSM settings are loaded (pf_actions.app_settings).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import BedrockAgentResolver, content_types
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from pf_actions import app_settings, metrics
from pf_actions.backend import DEMO_CLIENT_ID, Backend, CustomerContext, get_backend
from pf_actions.errors import ActionError, ConfigurationError, InvalidInputError
from pf_actions.log import logger
from pf_actions.settings import Settings
from pf_actions.tracing import capture_handler

LambdaHandler = Callable[[Any, Any], dict[str, Any]]

# Identifiers (customer, client, project) end up in PF360 URL paths: keep them to a safe alphabet.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ID_RE = re.compile(ID_PATTERN)
_MAX_DETAILS = 3


# The envelope: the parts of the Bedrock event we rely on, checked before Powertools sees it.


class _Parameter(BaseModel):
    name: StrictStr
    type: StrictStr = "string"
    value: StrictStr


class _MediaType(BaseModel):
    properties: list[_Parameter] = Field(default_factory=list)


class _RequestBody(BaseModel):
    content: dict[StrictStr, _MediaType]


class BedrockEvent(BaseModel):
    """OpenAPI action-group input event (only the fields we use; others are ignored)."""

    model_config = ConfigDict(extra="ignore")

    messageVersion: StrictStr = "1.0"  # noqa: N815 - Bedrock's field names
    actionGroup: StrictStr  # noqa: N815
    apiPath: StrictStr = Field(pattern=r"^/")  # noqa: N815
    httpMethod: StrictStr = Field(pattern=r"^[A-Za-z]{1,10}$")  # noqa: N815
    parameters: list[_Parameter] | None = None
    requestBody: _RequestBody | None = None  # noqa: N815
    sessionAttributes: dict[StrictStr, StrictStr] | None = None  # noqa: N815
    promptSessionAttributes: dict[StrictStr, StrictStr] | None = None  # noqa: N815


# Responses


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"statusCode": int(status), "error": HTTPStatus(status).phrase, "message": message}


def _error(status: int, message: str) -> Response:
    return Response(
        status_code=int(status), content_type=content_types.APPLICATION_JSON, body=error_body(status, message)
    )


def bedrock_error_response(event: Any, status: int, message: str) -> dict[str, Any]:
    """A Bedrock response built without Powertools, for events it cannot process."""
    source = event if isinstance(event, Mapping) else {}

    def text(key: str) -> str:
        value = source.get(key)
        return value if isinstance(value, str) else ""

    body = json.dumps(error_body(status, message), separators=(",", ":"))
    response: dict[str, Any] = {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": text("actionGroup"),
            "apiPath": text("apiPath"),
            "httpMethod": text("httpMethod"),
            "httpStatusCode": int(status),
            "responseBody": {content_types.APPLICATION_JSON: {"body": body}},
        },
    }
    for key in ("sessionAttributes", "promptSessionAttributes"):
        attributes = source.get(key)
        if isinstance(attributes, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()
        ):
            response[key] = dict(attributes)
    return response


# The resolver


def create_app() -> BedrockAgentResolver:
    app = BedrockAgentResolver(enable_validation=True)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response:
        return _error(HTTPStatus.BAD_REQUEST, validation_message(exc.errors()))

    @app.exception_handler(ActionError)
    def _action_error(exc: ActionError) -> Response:
        log = logger.error if exc.status >= HTTPStatus.INTERNAL_SERVER_ERROR else logger.info
        log("Action failed", extra={"error_type": type(exc).__name__, "status_code": int(exc.status)})
        if isinstance(exc, ConfigurationError):
            metrics.count("LambdaErrors")
        return _error(exc.status, exc.message)

    @app.not_found
    def _unknown_operation(_: RouteNotFoundError) -> Response:
        event = app.current_event
        return _error(
            HTTPStatus.NOT_FOUND,
            f"This action group has no operation {event.http_method.upper()} {event.api_path}.",
        )

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("Unexpected error in action")
        metrics.count("LambdaErrors")
        return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "Something went wrong on our side. Please try again later.")

    return app


def validation_message(errors: list[dict[str, Any]]) -> str:
    """Turn Powertools/pydantic errors into one sentence naming the bad inputs."""
    parts = []
    for error in errors[:_MAX_DETAILS]:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body")]
        name = ".".join(loc) or "request"
        parts.append(f"{name}: {error.get('msg', 'invalid value')}")
    more = f" (and {len(errors) - _MAX_DETAILS} more)" if len(errors) > _MAX_DETAILS else ""
    return "Invalid input - " + "; ".join(parts) + more + "."


def make_lambda_handler(app: BedrockAgentResolver) -> LambdaHandler:
    def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            envelope = BedrockEvent.model_validate(event)
        except ValidationError as exc:
            fields = sorted({str(error["loc"][0]) for error in exc.errors() if error["loc"]})
            message = "Malformed Bedrock action group event" + (f" (check {', '.join(fields)})." if fields else ".")
            logger.warning("Rejected malformed event", extra={"fields": fields})
            return bedrock_error_response(event, HTTPStatus.BAD_REQUEST, message)

        keys = {
            "action_group": envelope.actionGroup,
            "api_path": envelope.apiPath,
            "http_method": envelope.httpMethod,
            "request_id": getattr(context, "aws_request_id", None),
        }
        with logger.append_context_keys(**keys):
            app_settings.current()  # cold start (or stale cache): read the SSM settings up front
            try:
                response = app.resolve(event, context)
                response["response"]["httpStatusCode"] = int(response["response"]["httpStatusCode"])
            except Exception:
                # Powertools itself failed (an event shape it did not expect): still answer Bedrock.
                logger.exception("Resolver failed")
                metrics.count("LambdaErrors")
                response = bedrock_error_response(
                    event, HTTPStatus.INTERNAL_SERVER_ERROR, "Something went wrong on our side. Please try again later."
                )
            # Echo the attributes so the conversation keeps them whatever happened.
            response["sessionAttributes"] = dict(envelope.sessionAttributes or {})
            response["promptSessionAttributes"] = dict(envelope.promptSessionAttributes or {})
            logger.info(
                "Action completed",
                extra={
                    "status_code": response["response"]["httpStatusCode"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response

    return capture_handler(lambda_handler)


# Helpers for the routes


def customer_scope(app: BedrockAgentResolver) -> tuple[Backend, CustomerContext]:
    """The data source and the customer a request acts for (projects outside it are invisible)."""
    settings = Settings.from_env()
    ctx = customer_context(app.current_event.get("sessionAttributes") or {}, settings)
    return get_backend(settings), ctx


def customer_context(attributes: Mapping[str, str], settings: Settings) -> CustomerContext:
    customer_id = str(attributes.get("customer_id", "")).strip()
    if not customer_id:
        raise InvalidInputError(
            "I don't know which customer this is: the session attribute customer_id is missing. "
            "The application starting the conversation must set it."
        )
    # PF360 scopes records by client (tenant) too; the demo data belongs to the demo client.
    client_id = str(attributes.get("client_id", "")).strip() or settings.pf360_client_id or DEMO_CLIENT_ID
    for name, value in (("customer_id", customer_id), ("client_id", client_id)):
        if not ID_RE.fullmatch(value):
            raise InvalidInputError(f"The session attribute {name} is not a valid identifier.")
    return CustomerContext(customer_id=customer_id, client_id=client_id)
