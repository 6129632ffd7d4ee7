"""The PF360 data source (USE_MOCK_API=false): the endpoint table and the Backend over it.

PF360's API is not documented to us. ENDPOINTS is the single place that states what we assume
(paths, methods, which calls are safe to repeat); the answers are assumed to use the field names
of pf_actions.models, and an answer that does not parse becomes a 502 the agent can explain.
Change the table and lambda/scheduling/README.md together when the real contract is known.

Phase 2: with CACHE_TABLE set, the reads (list_projects, get_project, available_dates,
time_slots, list_notes) go through pf_actions.cache, and every booking or note change empties
the customer's cached answers, whether PF360 accepted it or not (a timed-out booking may still
have happened). A PF360 call that fails after its retries (5xx, unreachable, timeout, rejected
credentials, unusable answer) counts one PF360ApiErrors metric.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from pf_actions import metrics
from pf_actions import schedule_rules as rules
from pf_actions.backend import CustomerContext
from pf_actions.cache import MISS, CacheKey, ResponseCache, current_cache
from pf_actions.credentials import clear_credentials_cache, load_credentials
from pf_actions.errors import UpstreamError
from pf_actions.log import logger
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
_T = TypeVar("_T")
# A read's answer -> what the Backend returns: (project_id, query, data) -> value. Raises
# UpstreamError when PF360's answer does not fit the models.
_Parse = Callable[[str, Mapping[str, str], Any], Any]


class Pf360Backend:
    """Implements pf_actions.backend.Backend by calling PF360 (through the cache, if any)."""

    def __init__(self, client: Pf360Client, cache: Callable[[], ResponseCache | None] = current_cache) -> None:
        self._client = client
        self._cache = cache

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

    # Reads

    def list_projects(self, ctx: CustomerContext) -> list[Project]:
        return self._read("list_projects", ctx)

    def get_project(self, ctx: CustomerContext, project_id: str) -> Project:
        return self._read("get_project", ctx, project_id)

    def available_dates(self, ctx: CustomerContext, project_id: str) -> list[dt.date]:
        return self._read("available_dates", ctx, project_id)

    def time_slots(self, ctx: CustomerContext, project_id: str, day: dt.date) -> list[TimeSlot]:
        return self._read("time_slots", ctx, project_id, {"date": day.isoformat()})

    def list_notes(self, ctx: CustomerContext, project_id: str) -> list[Note]:
        return self._read("list_notes", ctx, project_id)

    # Changes

    def confirm_appointment(self, ctx: CustomerContext, project_id: str, day: dt.date, start: dt.time) -> Appointment:
        body = {"date": day.isoformat(), "start_time": rules.fmt_time(start)}
        return self._change("confirm_appointment", ctx, project_id, Appointment, body=body)

    def reschedule_appointment(
        self, ctx: CustomerContext, project_id: str, day: dt.date, start: dt.time, reason: str
    ) -> Appointment:
        body = {"date": day.isoformat(), "start_time": rules.fmt_time(start), "reason": reason}
        return self._change("reschedule_appointment", ctx, project_id, Appointment, body=body)

    def cancel_appointment(self, ctx: CustomerContext, project_id: str, reason: str) -> Appointment:
        query = {"reason": reason} if reason else None
        return self._change("cancel_appointment", ctx, project_id, Appointment, query=query)

    def add_note(self, ctx: CustomerContext, project_id: str, text: str) -> Note:
        return self._change("add_note", ctx, project_id, Note, body={"text": text})

    # refresh_cache

    def refetch(self, key: CacheKey) -> Any:
        """PF360's current answer for a cached read (checked against the models), uncached."""
        ctx = CustomerContext(customer_id=key.customer_id, client_id=key.client_id)
        project_id = key.project_id or None
        data = self._counted(lambda: self._call(key.operation, ctx, project_id, query=key.query_dict or None))
        self._counted(lambda: _READS[key.operation](key.project_id, key.query_dict, data))
        return data

    # Plumbing

    def _read(
        self, name: str, ctx: CustomerContext, project_id: str | None = None, query: Mapping[str, str] | None = None
    ) -> Any:
        parse = _READS[name]
        cache = self._cache()
        key = CacheKey.of(ctx.customer_id, ctx.client_id, name, project_id, query)
        if cache is not None:
            cached = cache.get(key)
            if cached is not MISS:
                try:
                    return parse(project_id or "", query or {}, cached)
                except UpstreamError:
                    logger.warning("Cached answer no longer fits the models, calling PF360", extra={"endpoint": name})
        data = self._counted(lambda: self._call(name, ctx, project_id, query=query))
        value = self._counted(lambda: parse(project_id or "", query or {}, data))  # never cache junk
        if cache is not None:
            cache.put(key, data)
        return value

    def _change(
        self,
        name: str,
        ctx: CustomerContext,
        project_id: str,
        model: type[_M],
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> _M:
        try:
            data = self._counted(lambda: self._call(name, ctx, project_id, query=query, body=body))
            return self._counted(lambda: _parse(model, data))
        finally:
            cache = self._cache()
            if cache is not None:
                cache.invalidate(ctx.customer_id)

    @staticmethod
    def _counted(call: Callable[[], _T]) -> _T:
        try:
            return call()
        except UpstreamError:
            metrics.count("PF360ApiErrors")
            raise

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


_READS: Final[Mapping[str, _Parse]] = MappingProxyType(
    {
        "list_projects": lambda project_id, query, data: _parse(ProjectList, data).projects,
        "get_project": lambda project_id, query, data: _parse(Project, data),
        "available_dates": lambda project_id, query, data: _parse(
            AvailableDates, {"project_id": project_id, **_as_dict(data)}
        ).available_dates,
        "time_slots": lambda project_id, query, data: _parse(
            TimeSlots, {"project_id": project_id, "date": query.get("date"), **_as_dict(data)}
        ).time_slots,
        "list_notes": lambda project_id, query, data: _parse(
            NoteList, {"project_id": project_id, "total": 0, **_as_dict(data)}
        ).notes,
    }
)
