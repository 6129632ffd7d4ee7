"""In-memory mock data (USE_MOCK_API=true): three projects, 30 days of availability, notes.

State lives in the module-level STORE and resets on every cold start, like the original
prototype. Availability is derived from the date with fixed arithmetic rather than randomness,
so every run (and every test) sees the same calendar for the same day.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from pf_actions import schedule_rules as rules
from pf_actions.backend import DEMO_CLIENT_ID, CustomerContext
from pf_actions.errors import ConflictError, InvalidInputError, NotFoundError
from pf_actions.models import Appointment, Note, Project, ProjectStatus, TimeSlot

DEMO_CUSTOMER_ID = "CUST001"

_SEED_PROJECTS = (
    (
        "PRJ-1001",
        "Flooring",
        "Install 450 sq ft of oak hardwood flooring in the living room and hallway.",
        "123 Main St, Tampa, FL 33601",
    ),
    (
        "PRJ-1002",
        "Windows",
        "Replace six double-hung windows on the second floor with energy-efficient units.",
        "123 Main St, Tampa, FL 33601",
    ),
    (
        "PRJ-1003",
        "Deck Repair",
        "Replace rotten boards and railings, then re-stain the 300 sq ft back deck.",
        "123 Main St, Tampa, FL 33601",
    ),
)


@dataclass
class _ProjectRecord:
    project: Project
    customer_id: str
    client_id: str
    appointment: Appointment | None = None
    notes: list[Note] = field(default_factory=list)

    @property
    def status(self) -> ProjectStatus:
        return "scheduled" if self.appointment else self.project.status

    def view(self) -> Project:
        return self.project.model_copy(update={"status": self.status, "appointment": self.appointment})


def _prebooked(day: dt.date, start: dt.time) -> bool:
    # Other customers' jobs: every 9th day of the month is full, and a quarter of the other slots.
    return day.day % 9 == 0 or (day.toordinal() + start.hour) % 4 == 0


class MockStore:
    """Implements pf_actions.backend.Backend over in-memory records.

    Like the PF360 backend it trusts the caller for the business rules (dates in the booking
    window, slots on the hour): the routes check those once for both data sources.
    """

    def __init__(self, clock: Callable[[], dt.date] = rules.utc_today) -> None:
        self._clock = clock
        self.reset()

    def reset(self, clock: Callable[[], dt.date] | None = None) -> None:
        """Back to the seed state (what a cold start gives); optionally pin the clock."""
        if clock is not None:
            self._clock = clock
        self._note_ids = itertools.count(1)
        self._records: dict[str, _ProjectRecord] = {
            project_id: _ProjectRecord(
                project=Project(
                    project_id=project_id,
                    project_type=kind,
                    description=description,
                    status="ready_to_schedule",
                    address=address,
                ),
                customer_id=DEMO_CUSTOMER_ID,
                client_id=DEMO_CLIENT_ID,
            )
            for project_id, kind, description, address in _SEED_PROJECTS
        }
        windows = self._records["PRJ-1002"]
        day = rules.bookable_dates(self.today() + dt.timedelta(days=2))[0]
        windows.appointment = self._appointment("PRJ-1002", day, dt.time(10, 0))
        windows.notes.append(self._note("PRJ-1002", "Customer prefers morning appointments; park in the driveway."))

    def today(self) -> dt.date:
        return self._clock()

    # Backend interface

    def list_projects(self, ctx: CustomerContext) -> list[Project]:
        return [record.view() for record in self._records.values() if self._owns(ctx, record)]

    def get_project(self, ctx: CustomerContext, project_id: str) -> Project:
        return self._record(ctx, project_id).view()

    def available_dates(self, ctx: CustomerContext, project_id: str) -> list[dt.date]:
        self._record(ctx, project_id)
        return [day for day in rules.bookable_dates(self.today()) if self._free_starts(day)]

    def time_slots(self, ctx: CustomerContext, project_id: str, day: dt.date) -> list[TimeSlot]:
        self._record(ctx, project_id)
        return [rules.slot_for(start) for start in self._free_starts(day)]

    def confirm_appointment(self, ctx: CustomerContext, project_id: str, day: dt.date, start: dt.time) -> Appointment:
        record = self._record(ctx, project_id)
        if record.appointment:
            raise ConflictError(
                f"Project {project_id} already has an appointment on {record.appointment.date.isoformat()} at "
                f"{record.appointment.start_time}; reschedule it instead of booking a second one."
            )
        self._check_free(day, start)
        record.appointment = self._appointment(project_id, day, start)
        return record.appointment

    def reschedule_appointment(
        self, ctx: CustomerContext, project_id: str, day: dt.date, start: dt.time, reason: str
    ) -> Appointment:
        record = self._record(ctx, project_id)
        if not record.appointment:
            raise ConflictError(f"Project {project_id} has no appointment to reschedule; book one instead.")
        self._check_free(day, start)
        record.appointment = self._appointment(project_id, day, start)
        return record.appointment

    def cancel_appointment(self, ctx: CustomerContext, project_id: str, reason: str) -> Appointment:
        record = self._record(ctx, project_id)
        if not record.appointment:
            raise ConflictError(f"Project {project_id} has no appointment to cancel.")
        cancelled = record.appointment.model_copy(update={"status": "cancelled"})
        record.appointment = None
        return cancelled

    def list_notes(self, ctx: CustomerContext, project_id: str) -> list[Note]:
        notes = self._record(ctx, project_id).notes
        return list(reversed(notes))

    def add_note(self, ctx: CustomerContext, project_id: str, text: str) -> Note:
        record = self._record(ctx, project_id)
        if not text.strip():
            raise InvalidInputError("The note is empty; give the text to record.")
        note = self._note(project_id, text.strip())
        record.notes.append(note)
        return note

    # Helpers

    @staticmethod
    def _owns(ctx: CustomerContext, record: _ProjectRecord) -> bool:
        return record.customer_id == ctx.customer_id and record.client_id == ctx.client_id

    def _record(self, ctx: CustomerContext, project_id: str) -> _ProjectRecord:
        record = self._records.get(project_id)
        # Same answer for "does not exist" and "belongs to someone else": no probing other accounts.
        if record is None or not self._owns(ctx, record):
            raise NotFoundError(
                f"No project {project_id} was found for this customer. "
                "Call listProjects to see the customer's projects."
            )
        return record

    def _booked(self) -> set[tuple[dt.date, dt.time]]:
        return {
            (record.appointment.date, dt.time.fromisoformat(record.appointment.start_time))
            for record in self._records.values()
            if record.appointment
        }

    def _free_starts(self, day: dt.date) -> list[dt.time]:
        booked = self._booked()
        return [start for start in rules.slot_starts() if not _prebooked(day, start) and (day, start) not in booked]

    def _check_free(self, day: dt.date, start: dt.time) -> None:
        if start not in self._free_starts(day):
            raise ConflictError(
                f"{day.isoformat()} at {rules.fmt_time(start)} is already taken. "
                "Call getTimeSlots for that date to see the free slots."
            )

    @staticmethod
    def _appointment(project_id: str, day: dt.date, start: dt.time) -> Appointment:
        slot = rules.slot_for(start)
        return Appointment(
            confirmation_number=f"PF-{project_id.removeprefix('PRJ-')}-{day:%Y%m%d}-{start.hour:02d}",
            project_id=project_id,
            date=day,
            start_time=slot.start_time,
            end_time=slot.end_time,
            status="confirmed",
        )

    def _note(self, project_id: str, text: str) -> Note:
        return Note(
            note_id=f"NOTE-{next(self._note_ids):04d}",
            project_id=project_id,
            text=text,
            created_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        )


STORE = MockStore()
