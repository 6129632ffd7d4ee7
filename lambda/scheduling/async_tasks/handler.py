"""Consumer of the `pf-async-tasks-<env>` queue (Phase 3): work the chat and the workflows hand
off instead of doing it while a customer waits.

Each message body is one JSON task:
- `{"task": "add_note", "customer_id", "client_id", "project_id", "text"}`: adds the note to
  the project (PF360, or the mock data in phase 1), e.g. a chat summary written after a session;
- `{"task": "project_report", "customer_id", "client_id"}`: a status report of the customer's
  projects (projects by status, booked appointments), e.g. after onboarding.

Every processed task puts one event (`note.added`, `report.generated`) on the events stream
(EVENTS_STREAM), where the analytics pipeline picks it up. Email delivery is not done here: the
specification names no mail service (no SES), and customer messages go through the
appointment-notifications queue and its topic.

Partial batch responses (pf_actions/sqs_batch.py): a failed message is received again, then
moved to the dead-letter queue; the handler never raises for one message.

Environment: EVENTS_STREAM, ENVIRONMENT, USE_MOCK_API and the PF360 variables, LOG_LEVEL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from pf_actions import aws, metrics
from pf_actions.backend import CustomerContext, get_backend
from pf_actions.log import logger
from pf_actions.settings import Settings
from pf_actions.sqs_batch import BadMessage, process_batch
from pf_actions.tracing import capture_handler

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


class _Task(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    customer_id: Id
    client_id: Id


class AddNote(_Task):
    task: Literal["add_note"]
    project_id: Id
    text: Annotated[str, Field(min_length=1, max_length=2000)]


class ProjectReport(_Task):
    task: Literal["project_report"]


TASK = TypeAdapter(Annotated[Union[AddNote, ProjectReport], Field(discriminator="task")])


def parse(body: Any) -> AddNote | ProjectReport:
    if not isinstance(body, str):
        raise BadMessage("the message body is not text")
    try:
        return TASK.validate_json(body)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
        raise BadMessage(f"invalid task ({', '.join(fields)})") from None


def run(task: AddNote | ProjectReport) -> dict[str, Any]:
    """Do the task; return the event detail describing what was done."""
    backend = get_backend(Settings.from_env())
    ctx = CustomerContext(customer_id=task.customer_id, client_id=task.client_id)
    if isinstance(task, AddNote):
        note = backend.add_note(ctx, task.project_id, task.text)
        return {"event_type": "note.added", "project_id": note.project_id, "note_id": note.note_id}
    return {"event_type": "report.generated", **report(backend.list_projects(ctx))}


def report(projects: list[Any]) -> dict[str, Any]:
    """Projects by status and the booked appointments, in a stable order."""
    by_status = Counter(str(p.status) for p in projects)
    booked = sorted(
        ({"project_id": p.project_id, "date": p.appointment.date.isoformat(),
          "start_time": p.appointment.start_time}
         for p in projects if p.appointment is not None and
         p.appointment.status == "confirmed"),
        key=lambda a: (a["date"], a["start_time"], a["project_id"]))
    return {"projects": len(projects), "by_status": dict(sorted(by_status.items())),
            "appointments": booked}


def publish(customer_id: str, detail: dict[str, Any]) -> None:
    """One event on the events stream, partitioned by customer (their events stay in order)."""
    stream = os.environ.get("EVENTS_STREAM", "").strip()
    if not stream:
        return  # no analytics pipeline configured (tests, earlier phases)
    event = {"occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "environment": metrics.environment(), "source": "async_tasks",
             "customer_id": customer_id, **detail}
    aws.client("kinesis").put_record(StreamARN=stream, Data=json.dumps(event).encode(),
                                     PartitionKey=customer_id)


def handle(message_id: str, body: Any) -> None:
    task = parse(body)
    detail = run(task)
    try:
        publish(task.customer_id, detail)
    except Exception as exc:  # the task is done; redoing it for its event would repeat it
        logger.warning("Event not published", extra={"message_id": message_id,
                                                     "error_code": aws.error_code(exc)})
    logger.info("Task done", extra={"message_id": message_id, "task": task.task})


@capture_handler
def lambda_handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    return process_batch(event, handle, "Task")
