"""The PF360 data source (USE_MOCK_API=false): the endpoint table and the Backend over it.

PF360's API is not documented to us. ENDPOINTS is the single place that states what we assume
(paths, methods, which calls are safe to repeat); the answers are assumed to use the field names
of pf_actions.models, and an answer that does not parse becomes a 502 the agent can explain.
Change the table and lambda/scheduling/README.md together when the real contract is known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from pf_actions import schedule_rules as rules
from pf_actions.backend import CustomerContext
from pf_actions.credentials import clear_credentials_cache, load_credentials
from pf_actions.errors import UpstreamError
from pf_actions.models import (
    Appointment,
    AvailableDates,
    Note,
    NoteList,
    Project,
    ProjectList,
    TimeSlot,
    TimeSlots,
)
from pf_actions.pf360_client import Endpoint, HttpPolicy, Pf360Client
from pf_actions.settings import Settings

_PROJECT = "/api/v1/customers/{customer_id}/projects/{project_id}"

ENDPOINTS: Final[Mapping[str, Endpoint]] = MappingProxyType(
    {
        endpoint.name: endpoint
        for endpoint in (
            Endpoint("login", "POST", "/api/v1/auth/login", idempotent=True),
            Endpoint("list_projects", "GET", "/api/v1/customers/{customer_id}/projects", idempotent=True),
            Endpoint("get_project", "GET", _PROJECT, idempotent=True),
            Endpoint("available_dates", "GET", _PROJECT + "/available-dates", idempotent=True),
            Endpoint("time_slots", "GET", _PROJECT + "/time-slots", idempotent=True),  # ?date=YYYY-MM-DD
            Endpoint("confirm_appointment", "POST", _PROJECT + "/appointment", idempotent=False),
            Endpoint("reschedule_appointment", "PUT", _PROJECT + "/appointment", idempotent=True),
            Endpoint("cancel_appointment", "DELETE", _PROJECT + "/appointment", idempotent=True),
            Endpoint("list_notes", "GET", _PROJECT + "/notes", idempotent=True),
            Endpoint("add_note", "POST", _PROJECT + "/notes", idempotent=False),
        )
    }
)

_M = TypeVar("_M", bound=BaseModel)


class Pf360Backend:
    """Implements pf_actions.backend.Backend by calling PF360."""

    def __init__(self, client: Pf360Client) -> None:
        self._client = client

    @classmethod
    def from_settings(cls, settings: Settings, policy: HttpPolicy | None = None) -> Pf360Backend:
        secret_arn = settings.pf360_credentials_secret_arn
        client = Pf360Client(
            settings.pf360_base_url,
            settings.pf360_client_id,
            login=ENDPOINTS["login"],
            credentials=lambda: load_credentials(secret_arn),
            on_auth_failure=clear_credentials_cache,
            policy=policy,
        )
        return cls(client)

    def today(self) -> dt.date:
        return rules.utc_today()

    def list_projects(self, ctx: CustomerContext) -> list[Project]:
        data = self._call("list_projects", ctx)
        return _parse(ProjectList, data).projects

    def get_project(self, ctx: CustomerContext, project_id: str) -> Project:
        return _parse(Project, self._call("get_project", ctx, project_id))

    def available_dates(self, ctx: CustomerContext, project_id: str) -> list[dt.date]:
        data = self._call("available_dates", ctx, project_id)
        return _parse(AvailableDates, {"project_id": project_id, **_as_dict(data)}).available_dates

    def time_slots(self, ctx: CustomerContext, project_id: str, day: dt.date) -> list[TimeSlot]:
        data = self._call("time_slots", ctx, project_id, query={"date": day.isoformat()})
        return _parse(TimeSlots, {"project_id": project_id, "date": day, **_as_dict(data)}).time_slots

    def confirm_appointment(self, ctx: CustomerContext, project_id: str, day: dt.date, start: dt.time) -> Appointment:
        body = {"date": day.isoformat(), "start_time": rules.fmt_time(start)}
        return _parse(Appointment, self._call("confirm_appointment", ctx, project_id, body=body))

    def reschedule_appointment(
        self, ctx: CustomerContext, project_id: str, day: dt.date, start: dt.time, reason: str
    ) -> Appointment:
        body = {"date": day.isoformat(), "start_time": rules.fmt_time(start), "reason": reason}
        return _parse(Appointment, self._call("reschedule_appointment", ctx, project_id, body=body))

    def cancel_appointment(self, ctx: CustomerContext, project_id: str, reason: str) -> Appointment:
        query = {"reason": reason} if reason else None
        return _parse(Appointment, self._call("cancel_appointment", ctx, project_id, query=query))

    def list_notes(self, ctx: CustomerContext, project_id: str) -> list[Note]:
        data = self._call("list_notes", ctx, project_id)
        return _parse(NoteList, {"project_id": project_id, "total": 0, **_as_dict(data)}).notes

    def add_note(self, ctx: CustomerContext, project_id: str, text: str) -> Note:
        return _parse(Note, self._call("add_note", ctx, project_id, body={"text": text}))

    def _call(
        self,
        name: str,
        ctx: CustomerContext,
        project_id: str | None = None,
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        path_params = {"customer_id": ctx.customer_id}
        not_found = "No projects were found for this customer."
        if project_id is not None:
            path_params["project_id"] = project_id
            not_found = (
                f"No project {project_id} was found for this customer. "
                "Call listProjects to see the customer's projects."
            )
        return self._client.call(
            ENDPOINTS[name],
            path_params=path_params,
            query=query,
            body=body,
            client_id=ctx.client_id,
            not_found=not_found,
        )


def _as_dict(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


def _parse(model: type[_M], data: Any) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError:
        raise UpstreamError(
            "The scheduling system sent data in an unexpected format. Please try again later or contact support."
        ) from None
