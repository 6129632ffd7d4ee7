"""Data shapes shared by both data sources and all handlers.

The field descriptions end up in the generated OpenAPI schemas, which is what the agent reads
to understand a response, so they are written for the model. PF360 responses are parsed into
these same models (see pf360_api), so the agents see one shape whatever the data source.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ProjectStatus = Literal["ready_to_schedule", "scheduled", "in_progress", "completed", "on_hold"]
AppointmentState = Literal["confirmed", "cancelled"]


class _Model(BaseModel):
    # PF360 may send more fields than we use; ignore them instead of failing.
    model_config = ConfigDict(extra="ignore")


class Appointment(_Model):
    confirmation_number: str = Field(description="Reference the customer can quote for this appointment.")
    project_id: str = Field(description="Project the appointment belongs to.")
    date: dt.date = Field(description="Appointment date, YYYY-MM-DD.")
    start_time: str = Field(description="Start time, 24-hour HH:MM.")
    end_time: str = Field(description="End time, 24-hour HH:MM.")
    status: AppointmentState = Field(description="confirmed or cancelled.")


class Project(_Model):
    project_id: str = Field(description="Identifier to pass to the other operations.")
    project_type: str = Field(description="Kind of work, e.g. Flooring, Windows, Deck Repair.")
    description: str = Field(description="What will be done.")
    status: ProjectStatus = Field(description="Where the project stands.")
    address: str = Field(description="Where the work takes place.")
    appointment: Appointment | None = Field(
        default=None, description="The active appointment, or null when none is booked."
    )


class TimeSlot(_Model):
    start_time: str = Field(description="Start time, 24-hour HH:MM.")
    end_time: str = Field(description="End time, 24-hour HH:MM.")


class Note(_Model):
    note_id: str = Field(description="Identifier of the note.")
    project_id: str = Field(description="Project the note belongs to.")
    text: str = Field(description="The note text.")
    created_at: dt.datetime = Field(description="When the note was written (ISO 8601, UTC).")


# Response bodies of the operations.


class ProjectList(_Model):
    projects: list[Project] = Field(description="The customer's projects.")


class AvailableDates(_Model):
    project_id: str = Field(description="The project asked about.")
    available_dates: list[dt.date] = Field(
        description="Dates (YYYY-MM-DD) with at least one free slot, earliest first."
    )


class TimeSlots(_Model):
    project_id: str = Field(description="The project asked about.")
    date: dt.date = Field(description="The date asked about.")
    time_slots: list[TimeSlot] = Field(description="Free one-hour slots, earliest first; empty if fully booked.")


class AppointmentResult(_Model):
    message: str = Field(description="One-sentence summary to relay to the customer.")
    appointment: Appointment = Field(description="The appointment after the change.")


class AppointmentStatus(_Model):
    project_id: str = Field(description="The project asked about.")
    project_status: ProjectStatus = Field(description="Where the project stands.")
    has_appointment: bool = Field(description="True when a confirmed appointment exists.")
    appointment: Appointment | None = Field(default=None, description="The confirmed appointment, if any.")


class DayHours(_Model):
    day: str = Field(description="Day of the week.")
    open: bool = Field(description="False on days without appointments.")
    opens_at: str = Field(description="Opening time, 24-hour HH:MM; empty when closed.")
    closes_at: str = Field(description="Closing time, 24-hour HH:MM; empty when closed.")


class BusinessHours(_Model):
    timezone: str = Field(description="Time zone of all times.")
    days: list[DayHours] = Field(description="Opening hours, Monday first.")
    appointment_length_minutes: int = Field(description="Length of one appointment slot.")
    booking_window_days: int = Field(description="How many days ahead appointments can be booked.")


class NoteList(_Model):
    project_id: str = Field(description="The project asked about.")
    total: int = Field(description="Number of notes on the project.")
    notes: list[Note] = Field(description="The most recent notes, newest first (at most 15).")


class NoteResult(_Model):
    message: str = Field(description="One-sentence summary to relay to the customer.")
    note: Note = Field(description="The note as stored.")
