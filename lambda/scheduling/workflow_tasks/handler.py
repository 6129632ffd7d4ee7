"""Lambda tasks of the two Phase 3 workflows (Step Functions), one function for both.

The state machine calls it with `{"task": <name>, "input": <the execution's data>}` and
stores the answer under the state's ResultPath. A failure is raised as an exception whose
class name is the error the state machine sees (`InvalidRequest`, `SlotUnavailable`,
`CustomerNotFound`, `UpstreamUnavailable`); the workflow retries only the transient ones and
routes the rest to its failure path (an SNS notification, then Fail).

`pf-appointment-workflow-<env>`: validate_booking -> check_slot -> confirm_booking (then the
state machine records the confirmation on the chat session and queues the confirmation
message). `pf-customer-onboarding-<env>`: validate_customer -> load_projects (then the
session, the report task, a wait and the welcome message) -> record_onboarded.
confirm_booking and record_onboarded put an event on the events stream (EVENTS_STREAM).

Environment: EVENTS_STREAM, ENVIRONMENT, SESSION_IDLE_DAYS, USE_MOCK_API and the PF360
variables, LOG_LEVEL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pf_actions import aws, metrics
from pf_actions.backend import CustomerContext, get_backend
from pf_actions.errors import (ConflictError, InvalidInputError, NotFoundError,
                               UpstreamUnavailableError)
from pf_actions.log import logger
from pf_actions.settings import Settings
from pf_actions.tracing import capture_handler

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
DAY_SECONDS = 86_400


class WorkflowError(Exception):
    """Base of the errors the state machines see by class name."""


class InvalidRequest(WorkflowError):
    pass


class SlotUnavailable(WorkflowError):
    pass


class CustomerNotFound(WorkflowError):
    pass


class UpstreamUnavailable(WorkflowError):
    """PF360 is down or throttling: the state machine retries with backoff."""


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Customer(_Input):
    customer_id: Id
    client_id: Id


class Booking(Customer):
    project_id: Id
    date: dt.date
    start_time: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
    #: The chat session that asked for the booking.
    session_id: Annotated[str, Field(min_length=1, max_length=128)]


def _parse(model: type[_Input], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "input" for e in exc.errors()})
        raise InvalidRequest(f"invalid workflow input ({', '.join(fields)})") from None


def _backend_call(call: Callable[[], Any]) -> Any:
    """Map the backend's errors onto the workflow's error names."""
    try:
        return call()
    except NotFoundError as exc:
        raise CustomerNotFound(exc.message) from None
    except ConflictError as exc:
        raise SlotUnavailable(exc.message) from None
    except InvalidInputError as exc:
        raise InvalidRequest(exc.message) from None
    except UpstreamUnavailableError as exc:
        raise UpstreamUnavailable(exc.message) from None


def _backend_and_ctx(customer: Customer) -> tuple[Any, CustomerContext]:
    return (get_backend(Settings.from_env()),
            CustomerContext(customer_id=customer.customer_id, client_id=customer.client_id))


def validate_booking(data: Any) -> dict[str, Any]:
    booking = _parse(Booking, data)
    return booking.model_dump(mode="json")


def check_slot(data: Any) -> dict[str, Any]:
    booking = _parse(Booking, data)
    backend, ctx = _backend_and_ctx(booking)
    slots = _backend_call(lambda: backend.time_slots(ctx, booking.project_id, booking.date))
    if booking.start_time not in {s.start_time for s in slots}:
        raise SlotUnavailable(f"{booking.date} {booking.start_time} is not free")
    return {"available": True}


def confirm_booking(data: Any) -> dict[str, Any]:
    booking = _parse(Booking, data)
    backend, ctx = _backend_and_ctx(booking)
    appointment = _backend_call(lambda: backend.confirm_appointment(
        ctx, booking.project_id, booking.date, dt.time.fromisoformat(booking.start_time)))
    result = appointment.model_dump(mode="json")
    _event("appointment.confirmed", booking.customer_id,
           {"project_id": booking.project_id, "confirmation_number": result["confirmation_number"]})
    return result


def validate_customer(data: Any) -> dict[str, Any]:
    """The customer, plus the session item fields the state machine writes (strings, as
    DynamoDB's N type wants them)."""
    customer = _parse(Customer, data)
    now = int(time.time())
    idle_days = int(os.environ.get("SESSION_IDLE_DAYS", "30") or 30)
    return {**customer.model_dump(), "session_id": f"onboarding-{customer.customer_id}",
            "now": str(now), "expires_at": str(now + idle_days * DAY_SECONDS)}


def load_projects(data: Any) -> dict[str, Any]:
    customer = _parse(Customer, data)
    backend, ctx = _backend_and_ctx(customer)
    projects = _backend_call(lambda: backend.list_projects(ctx))
    if not projects:
        raise CustomerNotFound("the customer has no project")
    return {"project_ids": sorted(p.project_id for p in projects), "count": len(projects)}


def record_onboarded(data: Any) -> dict[str, Any]:
    customer = _parse(Customer, data)
    _event("customer.onboarded", customer.customer_id, {})
    return {"onboarded": True}


TASKS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "validate_booking": validate_booking,
    "check_slot": check_slot,
    "confirm_booking": confirm_booking,
    "validate_customer": validate_customer,
    "load_projects": load_projects,
    "record_onboarded": record_onboarded,
}


def _event(event_type: str, customer_id: str, detail: dict[str, Any]) -> None:
    stream = os.environ.get("EVENTS_STREAM", "").strip()
    if not stream:
        return
    event = {"occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "environment": metrics.environment(), "source": "workflow_tasks",
             "event_type": event_type, "customer_id": customer_id, **detail}
    try:
        aws.client("kinesis").put_record(StreamARN=stream, Data=json.dumps(event).encode(),
                                         PartitionKey=customer_id)
    except Exception as exc:  # the step's work is done; failing it now would repeat it
        logger.warning("Event not published", extra={"error_code": aws.error_code(exc)})


@capture_handler
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    task = event.get("task") if isinstance(event, dict) else None
    if not isinstance(task, str) or task not in TASKS:
        raise InvalidRequest(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    try:
        result = TASKS[task](event.get("input"))
    except WorkflowError as exc:
        logger.warning("Workflow task failed", extra={"task": task, "error": type(exc).__name__})
        raise
    except Exception as exc:
        logger.exception("Workflow task crashed", extra={"task": task,
                                                         "error_code": aws.error_code(exc)})
        metrics.count("LambdaErrors")
        raise
    logger.info("Workflow task done", extra={"task": task})
    return result
