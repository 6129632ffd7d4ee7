"""Consumer of the `pf-appointment-notifications-<env>` queue (Phase 3): customer messages
about appointments, published to the customer-notifications topic (NOTIFICATIONS_TOPIC).

Each message body is `{"kind", "customer_id", "client_id", "project_id"}` with kind one of
`reminder` (the appointment is coming), `confirmation` (booked by the appointment workflow),
`cancellation`, or `welcome` (sent by the onboarding workflow; no project_id). The text is
built from the project as PF360 (or the mock data) has it now, so a reminder for an appointment
cancelled in the meantime is dropped instead of sent. The topic message carries the message
attributes `customer_id` and `kind`: each customer channel subscribes with a filter policy on
its own customer_id, so one topic serves every customer.

Every message sent puts a `notification.sent` event on the events stream (EVENTS_STREAM).
Partial batch responses as in async_tasks: a failed message is received again and ends in the
dead-letter queue after the queue's maxReceiveCount.

Environment: NOTIFICATIONS_TOPIC, EVENTS_STREAM, ENVIRONMENT, USE_MOCK_API and the PF360
variables, LOG_LEVEL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pf_actions import aws, metrics
from pf_actions.backend import CustomerContext, get_backend
from pf_actions.errors import ConfigurationError
from pf_actions.log import logger
from pf_actions.settings import Settings
from pf_actions.sqs_batch import BadMessage, process_batch
from pf_actions.tracing import capture_handler

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Kind = Literal["reminder", "confirmation", "cancellation", "welcome"]


class Notification(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Kind
    customer_id: Id
    client_id: Id
    project_id: Id | None = None

    @model_validator(mode="after")
    def _project_when_needed(self) -> Notification:
        if self.kind != "welcome" and self.project_id is None:
            raise ValueError(f"a {self.kind} needs project_id")
        return self


def parse(body: Any) -> Notification:
    if not isinstance(body, str):
        raise BadMessage("the message body is not text")
    try:
        return Notification.model_validate_json(body)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
        raise BadMessage(f"invalid notification ({', '.join(fields)})") from None


def compose(note: Notification, project: Any | None) -> tuple[str, str] | None:
    """(subject, text) of the message, or None when there is nothing to tell any more."""
    if note.kind == "welcome":
        return ("Welcome", "Welcome! You can now book, move and follow your project appointments "
                           "in the chat at any time.")
    appointment = project.appointment
    what = f"{project.project_type} ({project.project_id})"
    if note.kind == "cancellation":
        if appointment is not None and appointment.status == "confirmed":
            return None  # booked again since the cancellation was queued
        return ("Appointment cancelled",
                f"Your appointment for {what} is cancelled. Reply in the chat to book a new one.")
    if appointment is None or appointment.status != "confirmed":
        return None  # cancelled since: no reminder or confirmation of it
    when = f"{appointment.date.isoformat()} at {appointment.start_time}"
    if note.kind == "confirmation":
        return ("Appointment confirmed",
                f"Your appointment for {what} is confirmed for {when} "
                f"(confirmation {appointment.confirmation_number}).")
    return ("Appointment reminder",
            f"Reminder: your appointment for {what} is on {when} at {project.address}.")


def send(note: Notification, subject: str, text: str) -> None:
    topic = os.environ.get("NOTIFICATIONS_TOPIC", "").strip()
    if not topic:
        raise ConfigurationError("NOTIFICATIONS_TOPIC is not set")
    aws.client("sns", aws.region_of(topic)).publish(
        TopicArn=topic, Subject=subject, Message=text,
        MessageAttributes={
            "customer_id": {"DataType": "String", "StringValue": note.customer_id},
            "kind": {"DataType": "String", "StringValue": note.kind},
        })


def publish_event(note: Notification) -> None:
    stream = os.environ.get("EVENTS_STREAM", "").strip()
    if not stream:
        return
    event = {"occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "environment": metrics.environment(), "source": "appointment_notifications",
             "event_type": "notification.sent", "customer_id": note.customer_id,
             "kind": note.kind, "project_id": note.project_id}
    aws.client("kinesis").put_record(StreamARN=stream, Data=json.dumps(event).encode(),
                                     PartitionKey=note.customer_id)


def handle(note: Notification) -> bool:
    """Send the notification; False when it was dropped as obsolete."""
    project = None
    if note.project_id is not None:
        backend = get_backend(Settings.from_env())
        ctx = CustomerContext(customer_id=note.customer_id, client_id=note.client_id)
        project = backend.get_project(ctx, note.project_id)
    message = compose(note, project)
    if message is None:
        return False
    send(note, *message)
    try:
        publish_event(note)
    except Exception as exc:  # the customer has the message; resending it would repeat it
        logger.warning("Event not published", extra={"error_code": aws.error_code(exc)})
    return True


def _handle(message_id: str, body: Any) -> None:
    note = parse(body)
    sent = handle(note)
    logger.info("Notification " + ("sent" if sent else "dropped as obsolete"),
                extra={"message_id": message_id, "kind": note.kind})


@capture_handler
def lambda_handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    return process_batch(event, _handle, "Notification")
