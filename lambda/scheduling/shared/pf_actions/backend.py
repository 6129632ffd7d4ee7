"""The data-source interface the handlers call, and the choice between mock and PF360."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Protocol

from pf_actions.models import Appointment, Note, Project, TimeSlot
from pf_actions.settings import Settings


# The tenant PF360 assigned to this business (PF360_CLIENT_ID); also owns the mock data.
DEMO_CLIENT_ID = "09PF05VD"


@dataclass(frozen=True)
class CustomerContext:
    """Whose data a request may see; taken from the Bedrock session attributes."""

    customer_id: str
    client_id: str


class Backend(Protocol):
    """Everything the three action groups need. Raise pf_actions.errors for expected failures."""

    def today(self) -> dt.date: ...

    def list_projects(self, ctx: CustomerContext) -> list[Project]: ...

    def get_project(self, ctx: CustomerContext, project_id: str) -> Project: ...

    def available_dates(self, ctx: CustomerContext, project_id: str) -> list[dt.date]: ...

    def time_slots(self, ctx: CustomerContext, project_id: str, day: dt.date) -> list[TimeSlot]: ...

    def confirm_appointment(
        self, ctx: CustomerContext, project_id: str, day: dt.date, start: dt.time
    ) -> Appointment: ...

    def reschedule_appointment(
        self, ctx: CustomerContext, project_id: str, day: dt.date, start: dt.time, reason: str
    ) -> Appointment: ...

    def cancel_appointment(self, ctx: CustomerContext, project_id: str, reason: str) -> Appointment: ...

    def list_notes(self, ctx: CustomerContext, project_id: str) -> list[Note]: ...

    def add_note(self, ctx: CustomerContext, project_id: str, text: str) -> Note: ...


def get_backend(settings: Settings) -> Backend:
    if settings.use_mock_api:
        from pf_actions import mock_data  # imported here: mock mode never loads the HTTP stack

        return mock_data.STORE
    settings.require_pf360()
    return _pf360_backend(settings)


@functools.lru_cache(maxsize=4)
def _pf360_backend(settings: Settings) -> Backend:
    # Cached per configuration so the connection pool and the login token survive warm starts.
    from pf_actions.pf360_api import Pf360Backend

    return Pf360Backend.from_settings(settings)


def reset_backend_cache() -> None:
    _pf360_backend.cache_clear()
