"""Chat API (API Gateway REST, proxy integration): the web chat's backend (Phase 2).

Routes (Powertools APIGatewayRestResolver, request validation on):

  POST   /chat                   {"session_id"?, "customer_id", "client_id", "message"}
                                 -> 200 {"session_id", "answer"}
  GET    /sessions/{session_id}?customer_id=...  -> 200 the session and its turns (oldest first)
  DELETE /sessions/{session_id}?customer_id=...  -> 204, the session and its turns deleted
  GET    /health                 -> 200 {"status": "ok"} (touches no AWS service)

POST /chat: a session id (uuid4) is generated when absent. The session is claimed for the
customer before the agent runs (pf_actions.conversations), the supervisor agent answers
(supervisor_agent.ask, with customer_id and client_id as session attributes), and both turns
are stored. A failure to store the turns is logged (and counted as LambdaErrors) but the
customer still gets the answer.

A session belongs to the customer who started it: GET, DELETE and a continued chat by another
customer get 403. Who the caller is comes from authenticated_customer_id().

Identity. Without AUTH_MODE (phase 2) the caller states its customer (body or ?customer_id=)
and the API key in front vouches for the caller. With AUTH_MODE=cognito (enterprise phase) a
Cognito user-pool authorizer has verified an ID token before the function runs: the customer
and client are the token's `custom:customer_id` / `custom:client_id` claims
(requestContext.authorizer.claims). They are written into the body (POST /chat) or the query
(sessions) before routing, so the routes read them where phase 2 callers state them; a caller
who states a different customer or client gets 403, a token without them 401. /health stays
open in both modes.

Errors, all {"statusCode", "error", "message"} (+ "details" for 422):
  422 invalid body, path or query (field names and reasons, never the values)
  400 not an API Gateway proxy event, or an undecodable body
  403 the session belongs to another customer;  404 unknown session or route
  429 the agent (or a table) is throttling; a Retry-After header says when to try again
  502 the agent failed (a validation/session-attribute failure counts SessionAttributeFailures)
  504 the agent did not answer in time
  500 anything unexpected or a missing setting (generic message; logged with the traceback;
      counts LambdaErrors)

CORS: API Gateway answers the preflight; with a proxy integration the other responses carry
whatever the function returns, so every response to a request from an allowed origin gets
Access-Control-Allow-Origin (and Vary: Origin, and Retry-After exposed to scripts).
CORS_ALLOW_ORIGINS lists the origins, comma-separated, or is "*"; unset: no CORS headers.

Environment: SUPERVISOR_AGENT_ID, SUPERVISOR_ALIAS_ID, SESSION_TABLE, CONVERSATION_TABLE,
CORS_ALLOW_ORIGINS, AUTH_MODE, plus ENVIRONMENT (metrics), SETTINGS_PARAMETER_PATH (session_idle_days),
LOG_LEVEL, POWERTOOLS_SERVICE_NAME.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import time
import uuid
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, content_types
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import UUID4, BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError, field_validator

import supervisor_agent
from pf_actions import app_settings, aws, metrics
from pf_actions.conversations import ConversationStore, SessionForbidden
from pf_actions.log import logger
from pf_actions.tracing import capture_handler

CUSTOMER_ID_PATTERN = r"^[A-Z0-9]{3,32}$"
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SESSION_ID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
MAX_MESSAGE_LENGTH = 2000
MAX_TURNS_RETURNED = 200
RETRY_AFTER_SECONDS = 5
GENERIC_500 = "Something went wrong on our side. Please try again later."
_MAX_DETAILS = 5

app = APIGatewayRestResolver(enable_validation=True)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    session_id: UUID4 | None = Field(default=None, description="Omit to start a new session.")
    customer_id: StrictStr = Field(pattern=CUSTOMER_ID_PATTERN)
    client_id: StrictStr = Field(pattern=CLIENT_ID_PATTERN)
    message: StrictStr = Field(min_length=1, max_length=MAX_MESSAGE_LENGTH)

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the message is blank")
        return value


SessionIdPath = Annotated[str, Path(pattern=SESSION_ID_PATTERN)]
CustomerIdQuery = Annotated[str, Query(pattern=CUSTOMER_ID_PATTERN)]


# Errors


class ApiError(Exception):
    def __init__(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class SettingMissing(Exception):
    pass


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"statusCode": int(status), "error": HTTPStatus(status).phrase, "message": message, **extra}


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=error_body(status, message, **extra),
        headers=headers,
    )


def _throttled() -> ApiError:
    return ApiError(
        HTTPStatus.TOO_MANY_REQUESTS,
        "The assistant is busy right now. Please try again in a few seconds.",
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@app.exception_handler(RequestValidationError)
def _invalid_request(exc: RequestValidationError) -> Response:
    details = []
    for error in exc.errors()[:_MAX_DETAILS]:
        loc = [str(part) for part in error.get("loc", ())]
        details.append({"field": ".".join(loc) or "request", "reason": str(error.get("msg", "invalid value"))})
    logger.info("Rejected invalid request", extra={"fields": [d["field"] for d in details]})
    return _error(HTTPStatus.UNPROCESSABLE_ENTITY, "The request is invalid.", details=details)


@app.exception_handler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return _error(exc.status, exc.message, exc.headers)


@app.exception_handler(SessionForbidden)
def _forbidden(_: SessionForbidden) -> Response:
    logger.warning("Session of another customer refused")
    return _error(HTTPStatus.FORBIDDEN, "This session belongs to another customer.")


@app.exception_handler(supervisor_agent.AgentThrottled)
def _agent_throttled(_: supervisor_agent.AgentThrottled) -> Response:
    exc = _throttled()
    return _error(exc.status, exc.message, exc.headers)


@app.exception_handler(supervisor_agent.AgentFailed)
def _agent_failed(exc: supervisor_agent.AgentFailed) -> Response:
    if isinstance(exc, supervisor_agent.AgentTimeout):
        return _error(HTTPStatus.GATEWAY_TIMEOUT, "The assistant took too long to answer. Please try again.")
    if exc.session_problem:
        metrics.count("SessionAttributeFailures")
    return _error(HTTPStatus.BAD_GATEWAY, "The assistant could not answer right now. Please try again later.")


@app.exception_handler(SettingMissing)
def _setting_missing(exc: SettingMissing) -> Response:
    logger.error("Chat API not configured", extra={"missing": str(exc)})
    metrics.count("LambdaErrors")
    return _error(HTTPStatus.INTERNAL_SERVER_ERROR, GENERIC_500)


@app.not_found
def _unknown_route(_: RouteNotFoundError) -> Response:
    return _error(HTTPStatus.NOT_FOUND, "No such resource.")


@app.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response:
    if aws.is_throttling(exc):  # a table throttling us: the caller may retry
        logger.warning("Throttled by AWS", extra={"error_code": aws.error_code(exc)})
        throttled = _throttled()
        return _error(throttled.status, throttled.message, throttled.headers)
    logger.exception("Unexpected error in chat API")
    metrics.count("LambdaErrors")
    return _error(HTTPStatus.INTERNAL_SERVER_ERROR, GENERIC_500)


# Identity


def authenticated_customer_id(claimed: str) -> str:
    """The customer the caller acts for; every route goes through this function.

    Phase 2: the customer the caller states, vouched for by the API key. With AUTH_MODE=cognito
    the stated value is already the token's claim (`_token_identity` put it there and refused
    any other), so it is the same function in both modes."""
    return claimed


_CLAIMS = {"customer_id": "custom:customer_id", "client_id": "custom:client_id"}


def _token_identity(event: dict[str, Any]) -> tuple[dict[str, Any] | None, tuple[int, str] | None]:
    """AUTH_MODE=cognito: (the event with the token's identity written in, None), or
    (None, (status, message)) to refuse. Without AUTH_MODE: (event, None) unchanged."""
    if os.environ.get("AUTH_MODE", "").strip().lower() != "cognito" or event["path"] == "/health":
        return event, None
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
    claims = claims if isinstance(claims, dict) else {}
    identity = {field: claims.get(claim) for field, claim in _CLAIMS.items()}
    patterns = {"customer_id": CUSTOMER_ID_PATTERN, "client_id": CLIENT_ID_PATTERN}
    if not all(isinstance(v, str) and re.fullmatch(patterns[k], v) for k, v in identity.items()):
        logger.warning("Token without a customer or client claim")
        return None, (HTTPStatus.UNAUTHORIZED, "Sign in again: your token names no customer.")
    event = dict(event)
    if event["httpMethod"].upper() == "POST":
        raw = event.get("body") or ""
        if event.get("isBase64Encoded"):
            raw = base64.b64decode(raw).decode("utf-8")
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return event, None  # the route answers 422 for a body that is no JSON
        if isinstance(body, dict):
            if any(k in body and body[k] != v for k, v in identity.items()):
                return None, (HTTPStatus.FORBIDDEN, "You can only act for your own customer account.")
            event["body"], event["isBase64Encoded"] = json.dumps({**body, **identity}), False
        return event, None
    query = dict(event.get("queryStringParameters") or {})
    if "customer_id" in query and query["customer_id"] != identity["customer_id"]:
        return None, (HTTPStatus.FORBIDDEN, "You can only act for your own customer account.")
    query["customer_id"] = identity["customer_id"]
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {
        **(event.get("multiValueQueryStringParameters") or {}), "customer_id": [identity["customer_id"]]}
    return event, None


# Routes


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/chat")
def chat(request: Annotated[ChatRequest, Body(embed=False)]) -> dict[str, str]:
    asked_at_ms = int(time.time() * 1000)
    customer_id = authenticated_customer_id(request.customer_id)
    agent_id, alias_id = _setting("SUPERVISOR_AGENT_ID"), _setting("SUPERVISOR_ALIAS_ID")
    store = _store()
    session_id = str(request.session_id or uuid.uuid4())
    store.claim(session_id, customer_id, request.client_id, app_settings.current().session_idle_days)
    with logger.append_context_keys(session_id=session_id):
        answer = supervisor_agent.ask(
            aws.client("bedrock-agent-runtime"),
            agent_id=agent_id,
            alias_id=alias_id,
            session_id=session_id,
            text=request.message,
            attributes={"customer_id": customer_id, "client_id": request.client_id},
        )
        try:
            store.record_exchange(session_id, request.message, asked_at_ms, answer)
        except Exception:
            logger.exception("Could not store the conversation turns")
            metrics.count("LambdaErrors")
        logger.info("Chat turn answered", extra={"answer_chars": len(answer)})
    return {"session_id": session_id, "answer": answer}


@app.get("/sessions/<session_id>")
def get_session(session_id: SessionIdPath, customer_id: CustomerIdQuery) -> dict[str, Any]:
    store = _store()
    session = _owned_session(store, session_id.lower(), authenticated_customer_id(customer_id))
    turns, truncated = store.turns(session.session_id, MAX_TURNS_RETURNED)
    return {**session.as_json(), "turns": [turn.as_json() for turn in turns], "truncated": truncated}


@app.delete("/sessions/<session_id>")
def delete_session(session_id: SessionIdPath, customer_id: CustomerIdQuery) -> Any:
    # Returns a 204 Response; annotated Any because Powertools validates what a route returns
    # against its annotation, and has no schema for Response.
    store = _store()
    session = _owned_session(store, session_id.lower(), authenticated_customer_id(customer_id))
    deleted = store.delete(session.session_id)
    logger.info("Session deleted", extra={"session_id": session.session_id, "turns_deleted": deleted})
    return Response(status_code=int(HTTPStatus.NO_CONTENT), body="")


def _owned_session(store: ConversationStore, session_id: str, customer_id: str) -> Any:
    session = store.get(session_id)
    if session is None:
        raise ApiError(HTTPStatus.NOT_FOUND, "No such session.")
    if session.customer_id != customer_id:
        raise SessionForbidden(session_id)
    return session


def _setting(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingMissing(name)
    return value


def _store() -> ConversationStore:
    return ConversationStore(_setting("SESSION_TABLE"), _setting("CONVERSATION_TABLE"))


# The Lambda entry point


class _ProxyEvent(BaseModel):
    """The parts of an API Gateway REST proxy event the resolver relies on."""

    model_config = ConfigDict(extra="ignore")

    httpMethod: StrictStr = Field(pattern=r"^[A-Za-z]{1,10}$")  # noqa: N815 - API Gateway's names
    path: StrictStr = Field(pattern=r"^/")
    headers: dict[StrictStr, StrictStr] | None = None
    multiValueHeaders: dict[StrictStr, list[StrictStr]] | None = None  # noqa: N815
    queryStringParameters: dict[StrictStr, StrictStr] | None = None  # noqa: N815
    multiValueQueryStringParameters: dict[StrictStr, list[StrictStr]] | None = None  # noqa: N815
    pathParameters: dict[StrictStr, StrictStr] | None = None  # noqa: N815
    stageVariables: dict[StrictStr, StrictStr] | None = None  # noqa: N815
    requestContext: dict[StrictStr, Any] | None = None  # noqa: N815
    body: StrictStr | None = None
    isBase64Encoded: StrictBool | None = None  # noqa: N815


def _plain_response(status: int, message: str) -> dict[str, Any]:
    """A proxy response built without Powertools, for events it cannot process."""
    return {
        "statusCode": int(status),
        "multiValueHeaders": {"Content-Type": [content_types.APPLICATION_JSON]},
        "body": json.dumps(error_body(status, message), separators=(",", ":")),
        "isBase64Encoded": False,
    }


def _check_event(event: Any) -> str | None:
    """Why `event` cannot be served (a message for a 400), or None."""
    try:
        envelope = _ProxyEvent.model_validate(event)
    except ValidationError as exc:
        fields = sorted({str(error["loc"][0]) for error in exc.errors() if error["loc"]})
        return "Malformed API Gateway proxy event" + (f" (check {', '.join(fields)})." if fields else ".")
    if envelope.isBase64Encoded and envelope.body:
        try:
            base64.b64decode(envelope.body, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return "The request body is not valid base64-encoded UTF-8."
    return None


def _with_cors(response: dict[str, Any], event: Any) -> dict[str, Any]:
    """Add the CORS headers when the request comes from an allowed origin (CORS_ALLOW_ORIGINS)."""
    allowed = [origin.strip() for origin in os.environ.get("CORS_ALLOW_ORIGINS", "").split(",") if origin.strip()]
    headers = event.get("headers") if isinstance(event, dict) else None
    origin = None
    if isinstance(headers, dict):  # header names in any case: HTTP/2 clients send lower case
        origin = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == "origin"), None)
    if "*" in allowed:
        allow = "*"
    elif isinstance(origin, str) and origin in allowed:
        allow = origin
    else:
        return response
    extra = {"Access-Control-Allow-Origin": [allow], "Access-Control-Expose-Headers": ["Retry-After"]}
    if allow != "*":
        extra["Vary"] = ["Origin"]
    response["multiValueHeaders"] = {**(response.get("multiValueHeaders") or {}), **extra}
    return response


@capture_handler
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    return _with_cors(_serve(event, context), event)


def _serve(event: Any, context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    problem = _check_event(event)
    if problem is not None:
        logger.warning("Rejected malformed event")
        return _plain_response(HTTPStatus.BAD_REQUEST, problem)
    keys = {
        "http_method": event["httpMethod"],
        "path": event["path"],
        "request_id": getattr(context, "aws_request_id", None),
    }
    event, refusal = _token_identity(event)
    if refusal is not None:
        return _plain_response(*refusal)
    with logger.append_context_keys(**keys):
        try:
            response = app.resolve(event, context)
        except Exception:  # Powertools itself failed: still answer API Gateway
            logger.exception("Resolver failed")
            metrics.count("LambdaErrors")
            response = _plain_response(HTTPStatus.INTERNAL_SERVER_ERROR, GENERIC_500)
        logger.info(
            "Request completed",
            extra={
                "status_code": response["statusCode"],
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
    return response
