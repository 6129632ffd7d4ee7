"""Scheduling action group (pf-scheduling-actions): availability and appointment booking.

Operations: listProjects, getAvailableDates, getTimeSlots, confirmAppointment,
rescheduleAppointment, cancelAppointment. lambda/scheduling/schemas/scheduling_actions.json is
generated from these routes by lambda/scheduling/generate_schemas.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, Field

from pf_actions import schedule_rules as rules
from pf_actions.bedrock import create_app, customer_scope, make_lambda_handler
from pf_actions.common_routes import ProjectId, add_list_projects
from pf_actions.models import Appointment, AppointmentResult, AvailableDates, TimeSlots

MAX_REASON_LENGTH = 500

# Title and description of this action group's API, shown to the agent with its operations
# (generate_schemas.py puts them in the schema's info).
API_TITLE = "PF Scheduling Actions"
API_DESCRIPTION = (
    "Find free dates and time slots for a customer's home-improvement project and book, move or "
    "cancel its installation appointment."
)

app = create_app()
add_list_projects(app)


class AppointmentRequest(BaseModel):
    date: dt.date = Field(description="Appointment date, YYYY-MM-DD, one of the dates from getAvailableDates.")
    start_time: str = Field(
        max_length=20, description="Start time of a free slot from getTimeSlots, 24-hour HH:MM, e.g. 09:00."
    )


class RescheduleRequest(AppointmentRequest):
    reason: str = Field(
        default="", max_length=MAX_REASON_LENGTH, description="Why the customer is moving the appointment (optional)."
    )


@app.get(
    "/projects/<project_id>/available-dates",
    operation_id="getAvailableDates",
    summary="Dates with free appointment slots",
    description=(
        "List the dates (YYYY-MM-DD) in the next 30 days on which the project can still get an appointment. "
        "Appointments are Monday to Friday; fully booked days are left out. Use it before proposing dates "
        "to the customer, then call getTimeSlots for the date they choose."
    ),
)
def get_available_dates(project_id: ProjectId) -> AvailableDates:
    backend, ctx = customer_scope(app)
    return AvailableDates(project_id=project_id, available_dates=backend.available_dates(ctx, project_id))


@app.get(
    "/projects/<project_id>/time-slots",
    operation_id="getTimeSlots",
    summary="Free time slots on a date",
    description=(
        "List the free one-hour appointment slots for the project on one date. Slots start on the hour "
        "between 08:00 and 16:00 and end by 17:00 (24-hour times). An empty list means the day is fully "
        "booked: offer another date from getAvailableDates."
    ),
)
def get_time_slots(
    project_id: ProjectId,
    date: Annotated[dt.date, Query(description="The date to check, YYYY-MM-DD, within the next 30 days.")],
) -> TimeSlots:
    backend, ctx = customer_scope(app)
    rules.check_booking_date(date, backend.today())
    return TimeSlots(project_id=project_id, date=date, time_slots=backend.time_slots(ctx, project_id, date))


@app.post(
    "/projects/<project_id>/appointment",
    operation_id="confirmAppointment",
    summary="Book an appointment",
    description=(
        "Book the project's installation appointment on a date and start time. Call it only after the "
        "customer has explicitly confirmed that date and time. Fails with 409 when the slot was taken in "
        "the meantime (offer the remaining slots) or when the project already has an appointment (use "
        "rescheduleAppointment instead). Returns the confirmation number to give to the customer."
    ),
)
def confirm_appointment(
    project_id: ProjectId,
    body: Annotated[AppointmentRequest, Body(embed=False, description="The chosen date and start time.")],
) -> AppointmentResult:
    backend, ctx = customer_scope(app)
    day, start = _checked_slot(body, backend.today())
    appointment = backend.confirm_appointment(ctx, project_id, day, start)
    return _result(f"Appointment {appointment.confirmation_number} is confirmed for", appointment)


@app.put(
    "/projects/<project_id>/appointment",
    operation_id="rescheduleAppointment",
    summary="Move an appointment",
    description=(
        "Move the project's existing appointment to another date and start time. Call it only after the "
        "customer has confirmed the new date and time. Fails with 409 when the project has no appointment "
        "(use confirmAppointment) or the new slot is taken."
    ),
)
def reschedule_appointment(
    project_id: ProjectId,
    body: Annotated[RescheduleRequest, Body(embed=False, description="The new date and start time.")],
) -> AppointmentResult:
    backend, ctx = customer_scope(app)
    day, start = _checked_slot(body, backend.today())
    appointment = backend.reschedule_appointment(ctx, project_id, day, start, body.reason.strip())
    return _result(f"Appointment {appointment.confirmation_number} is now set for", appointment)


@app.delete(
    "/projects/<project_id>/appointment",
    operation_id="cancelAppointment",
    summary="Cancel an appointment",
    description=(
        "Cancel the project's appointment. Call it only after the customer has clearly asked to cancel "
        "(not to move) the appointment. Fails with 409 when there is no appointment to cancel."
    ),
)
def cancel_appointment(
    project_id: ProjectId,
    reason: Annotated[
        str, Query(max_length=MAX_REASON_LENGTH, description="Why the customer is cancelling (optional).")
    ] = "",
) -> AppointmentResult:
    backend, ctx = customer_scope(app)
    appointment = backend.cancel_appointment(ctx, project_id, reason.strip())
    return _result(f"Appointment {appointment.confirmation_number} is cancelled; it was", appointment)


def _checked_slot(request: AppointmentRequest, today: dt.date) -> tuple[dt.date, dt.time]:
    start = rules.parse_start_time(request.start_time)
    rules.check_booking_date(request.date, today)
    return request.date, start


def _result(lead: str, appointment: Appointment) -> AppointmentResult:
    when = rules.describe_slot(appointment.date, appointment.start_time, appointment.end_time)
    return AppointmentResult(message=f"{lead} {when}.", appointment=appointment)


lambda_handler = make_lambda_handler(app)
