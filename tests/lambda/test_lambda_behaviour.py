"""What the handlers do in mock mode: scoping, booking rules, notes, and the error mapping."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

SLOTS = "/projects/{project_id}/time-slots"
DATES = "/projects/{project_id}/available-dates"
APPOINTMENT = "/projects/{project_id}/appointment"
NOTES = "/projects/{project_id}/notes"
# The message of every unexpected failure (README, error mapping: 500).
GENERIC_500 = "Something went wrong on our side. Please try again later."


def own_records(logs: Any) -> list[dict[str, Any]]:
    """The package's JSON log records among the captured lines."""
    return [json.loads(line) for line in logs.records if line.startswith("{")]


@pytest.fixture
def call(handlers: dict[str, ModuleType], helpers: SimpleNamespace):
    """call(function, path, method, params, body, session) -> (status, body, raw response)."""

    def run(function: str, path: str, method: str = "GET", params=None, body=None, session=None):
        event = helpers.event(path, method, params, body, session)
        response = handlers[function].lambda_handler(event, None)
        helpers.assert_well_formed(response, event)
        return helpers.status(response), helpers.body(response), response

    return run


def free_slot(call: Any, project_id: str = "PRJ-1001") -> tuple[str, str]:
    _, dates, _ = call("scheduling", DATES, params={"project_id": project_id})
    day = dates["available_dates"][0]
    _, slots, _ = call("scheduling", SLOTS, params={"project_id": project_id, "date": day})
    return day, slots["time_slots"][0]["start_time"]


class TestCustomerScope:
    def test_projects_belong_to_the_session_customer(self, call: Any) -> None:
        status, body, _ = call("scheduling", "/projects")
        assert status == 200
        assert [(p["project_id"], p["project_type"]) for p in body["projects"]] == [
            ("PRJ-1001", "Flooring"),
            ("PRJ-1002", "Windows"),
            ("PRJ-1003", "Deck Repair"),
        ]

    @pytest.mark.parametrize(
        "session", [{"customer_id": "CUST002"}, {"customer_id": "CUST001", "client_id": "OTHERCLIENT"}]
    )
    def test_other_customers_see_nothing(self, call: Any, session: dict[str, str]) -> None:
        assert call("information", "/projects", session=session)[:2] == (200, {"projects": []})
        status, body, _ = call(
            "information", "/projects/{project_id}", params={"project_id": "PRJ-1001"}, session=session
        )
        assert status == 404
        unknown = call("information", "/projects/{project_id}", params={"project_id": "PRJ-9999"})[1]
        assert body["message"] == unknown["message"].replace("PRJ-9999", "PRJ-1001")  # no existence oracle

    @pytest.mark.parametrize("session", [{}, {"customer_id": "  "}, {"customer_id": "../CUST001"}])
    def test_customer_id_is_required_and_checked(self, call: Any, session: dict[str, str]) -> None:
        status, body, _ = call("notes", NOTES, params={"project_id": "PRJ-1001"}, session=session)
        assert status == 400
        assert "customer_id" in body["message"]

    def test_business_hours_need_no_customer(self, call: Any) -> None:
        status, body, _ = call("information", "/business-hours", session={})
        assert status == 200
        days = {d["day"]: d for d in body["days"]}
        assert days["Monday"] == {"day": "Monday", "open": True, "opens_at": "08:00", "closes_at": "17:00"}
        assert not days["Saturday"]["open"] and not days["Sunday"]["open"]
        assert body["booking_window_days"] == 30 and body["appointment_length_minutes"] == 60


class TestAvailability:
    def test_dates_are_the_next_30_days_on_weekdays_that_are_not_full(self, call: Any) -> None:
        _, body, _ = call("scheduling", DATES, params={"project_id": "PRJ-1003"})
        dates = [dt.date.fromisoformat(d) for d in body["available_dates"]]
        today = dt.date(2025, 1, 6)
        assert dates == sorted(dates)
        assert dates[0] == today + dt.timedelta(days=1)
        assert all(today < d <= today + dt.timedelta(days=30) and d.weekday() < 5 for d in dates)
        assert dt.date(2025, 1, 9) not in dates  # the mock fills every 9th
        assert len(dates) >= 15

    def test_slots_are_hourly_between_8_and_17(self, call: Any) -> None:
        _, body, _ = call("scheduling", SLOTS, params={"project_id": "PRJ-1001", "date": "2025-01-07"})
        starts = [s["start_time"] for s in body["time_slots"]]
        assert starts and set(starts) < {f"{h:02d}:00" for h in range(8, 17)}
        assert all(s["end_time"] == f"{int(s['start_time'][:2]) + 1:02d}:00" for s in body["time_slots"])

    def test_a_full_day_has_no_slots(self, call: Any) -> None:
        status, body, _ = call("scheduling", SLOTS, params={"project_id": "PRJ-1001", "date": "2025-01-09"})
        assert (status, body["time_slots"]) == (200, [])

    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            ("2025-02-30", "date"),
            ("tomorrow", "date"),
            ("", "date"),
            ("2025-01-06", "earliest date is 2025-01-07"),
            ("2025-02-06", "too far ahead"),
            ("2025-01-11", "Monday to Friday"),
        ],
    )
    def test_bad_dates_are_400_with_a_reason(self, call: Any, day: str, expected: str) -> None:
        status, body, _ = call("scheduling", SLOTS, params={"project_id": "PRJ-1001", "date": day})
        assert status == 400
        assert expected in body["message"]


class TestBooking:
    def test_confirm_show_reschedule_cancel(self, call: Any) -> None:
        day, start = free_slot(call)
        status, booked, _ = call(
            "scheduling", APPOINTMENT, "POST", {"project_id": "PRJ-1001"}, {"date": day, "start_time": start}
        )
        assert status == 200
        number = booked["appointment"]["confirmation_number"]
        assert number in booked["message"] and booked["appointment"]["status"] == "confirmed"

        _, shown, _ = call("information", APPOINTMENT, params={"project_id": "PRJ-1001"})
        assert shown["has_appointment"] and shown["project_status"] == "scheduled"
        assert shown["appointment"] == booked["appointment"]

        _, slots, _ = call("scheduling", SLOTS, params={"project_id": "PRJ-1003", "date": day})
        assert start not in [s["start_time"] for s in slots["time_slots"]]  # the slot is gone

        new_day = "2025-01-14"
        _, free, _ = call("scheduling", SLOTS, params={"project_id": "PRJ-1001", "date": new_day})
        new_start = free["time_slots"][-1]["start_time"]
        status, moved, _ = call(
            "scheduling",
            APPOINTMENT,
            "PUT",
            {"project_id": "PRJ-1001"},
            {"date": new_day, "start_time": new_start, "reason": "Customer at work"},
        )
        assert status == 200
        assert (moved["appointment"]["date"], moved["appointment"]["start_time"]) == (new_day, new_start)

        status, cancelled, _ = call(
            "scheduling", APPOINTMENT, "DELETE", {"project_id": "PRJ-1001", "reason": "Sold the house"}
        )
        assert (status, cancelled["appointment"]["status"]) == (200, "cancelled")
        _, after, _ = call("information", APPOINTMENT, params={"project_id": "PRJ-1001"})
        assert (after["has_appointment"], after["appointment"], after["project_status"]) == (
            False,
            None,
            "ready_to_schedule",
        )

    def test_a_taken_slot_is_a_conflict(self, call: Any) -> None:
        day, start = free_slot(call)
        booking = {"date": day, "start_time": start}
        assert call("scheduling", APPOINTMENT, "POST", {"project_id": "PRJ-1001"}, booking)[0] == 200
        status, body, _ = call("scheduling", APPOINTMENT, "POST", {"project_id": "PRJ-1003"}, booking)
        assert status == 409 and "already taken" in body["message"]

    def test_second_booking_of_a_project_is_a_conflict(self, call: Any) -> None:
        day, start = free_slot(call, "PRJ-1002")
        status, body, _ = call(
            "scheduling", APPOINTMENT, "POST", {"project_id": "PRJ-1002"}, {"date": day, "start_time": start}
        )
        assert status == 409 and "reschedule" in body["message"]

    @pytest.mark.parametrize("method", ["PUT", "DELETE"])
    def test_changing_a_missing_appointment_is_a_conflict(self, call: Any, method: str) -> None:
        body = {"date": "2025-01-14", "start_time": "09:00"} if method == "PUT" else None
        status, answer, _ = call("scheduling", APPOINTMENT, method, {"project_id": "PRJ-1003"}, body)
        assert status == 409 and "no appointment" in answer["message"]

    @pytest.mark.parametrize("start", ["17:00", "07:00", "12:30", "16:59", "noon", "25:00", "13 pm", ""])
    def test_slots_outside_business_hours_are_400(self, call: Any, start: str) -> None:
        status, body, _ = call(
            "scheduling", APPOINTMENT, "POST", {"project_id": "PRJ-1001"}, {"date": "2025-01-14", "start_time": start}
        )
        assert status == 400
        assert "08:00" in body["message"] and "16:00" in body["message"]

    @pytest.mark.parametrize(
        ("spoken", "start"), [("9 am", "09:00"), ("2 PM", "14:00"), ("3:00 p.m.", "15:00"), ("8:00", "08:00")]
    )
    def test_common_time_spellings_are_understood(
        self, call: Any, spoken: str, start: str, pf: SimpleNamespace
    ) -> None:
        assert pf.schedule_rules.parse_start_time(spoken).strftime("%H:%M") == start

    def test_unknown_project_is_404(self, call: Any) -> None:
        status, body, _ = call(
            "scheduling", APPOINTMENT, "POST", {"project_id": "PRJ-0000"}, {"date": "2025-01-14", "start_time": "09:00"}
        )
        assert status == 404 and "listProjects" in body["message"]

    @pytest.mark.parametrize("project_id", ["../../etc/passwd", "PRJ 1001", "x" * 65])
    def test_malformed_project_ids_are_400(self, call: Any, project_id: str) -> None:
        status, body, _ = call("information", "/projects/{project_id}", params={"project_id": project_id})
        assert status == 400 and "project_id" in body["message"]


class TestNotes:
    def test_add_then_list_newest_first(self, call: Any) -> None:
        for text in ("Gate code 4321", "Dog in the yard"):
            status, added, _ = call("notes", NOTES, "POST", {"project_id": "PRJ-1001"}, {"text": text})
            assert status == 200 and added["note"]["text"] == text
        _, listed, _ = call("notes", NOTES, params={"project_id": "PRJ-1001"})
        assert [n["text"] for n in listed["notes"]] == ["Dog in the yard", "Gate code 4321"]
        assert listed["total"] == 2

    def test_listing_is_capped_but_counts_everything(self, call: Any) -> None:
        for index in range(20):
            call("notes", NOTES, "POST", {"project_id": "PRJ-1002"}, {"text": f"note {index}"})
        _, listed, _ = call("notes", NOTES, params={"project_id": "PRJ-1002"})
        assert listed["total"] == 21 and len(listed["notes"]) == 15
        assert listed["notes"][0]["text"] == "note 19"

    @pytest.mark.parametrize(("text", "status"), [("x" * 1000, 200), ("x" * 1001, 400), ("", 400), ("   ", 400)])
    def test_note_length_limit(self, call: Any, text: str, status: int) -> None:
        got, body, _ = call("notes", NOTES, "POST", {"project_id": "PRJ-1001"}, {"text": text})
        assert got == status
        if status == 400:
            assert "text" in body["message"] or "empty" in body["message"]


class TestErrorMapping:
    def test_unknown_route_and_method_are_404(self, call: Any) -> None:
        for path, method in (("/weather", "GET"), ("/projects", "PATCH"), ("/projects/{project_id}/notes", "DELETE")):
            status, body, _ = call("notes", path, method, {"project_id": "PRJ-1001"})
            assert status == 404 and path in body["message"]

    def test_validation_errors_are_400_never_422(self, call: Any) -> None:
        status, body, _ = call("scheduling", APPOINTMENT, "POST", {"project_id": "PRJ-1001"}, {"date": "soon"})
        assert status == 400
        assert body["message"].startswith("Invalid input") and "start_time" in body["message"]
        assert call("scheduling", APPOINTMENT, "POST", {"project_id": "PRJ-1001"})[0] == 400  # no body at all

    def test_session_attributes_come_back_on_errors_too(
        self, handlers: dict[str, ModuleType], helpers: SimpleNamespace
    ) -> None:
        event = helpers.event("/nowhere", session={"customer_id": "CUST001", "channel": "web"})
        event["promptSessionAttributes"] = {"today": "Monday"}
        response = handlers["information"].lambda_handler(event, None)
        assert helpers.status(response) == 404
        assert response["sessionAttributes"] == {"customer_id": "CUST001", "channel": "web"}
        assert response["promptSessionAttributes"] == {"today": "Monday"}

    @pytest.mark.parametrize(
        "event",
        [
            None,
            [],
            "GET /projects",
            {},
            {"actionGroup": "a", "apiPath": "/projects", "httpMethod": "GET", "parameters": "project_id=1"},
            {"actionGroup": "a", "apiPath": "/projects", "httpMethod": "GET", "parameters": [{"name": "x"}]},
            {"actionGroup": "a", "apiPath": "projects", "httpMethod": "GET"},
            {"actionGroup": "a", "apiPath": "/projects", "httpMethod": "GET", "sessionAttributes": {"customer_id": 7}},
            {"actionGroup": "a", "apiPath": "/projects", "httpMethod": "GET", "requestBody": {"content": []}},
        ],
    )
    def test_malformed_events_are_400(
        self, handlers: dict[str, ModuleType], helpers: SimpleNamespace, event: Any
    ) -> None:
        response = handlers["scheduling"].lambda_handler(event, None)
        helpers.assert_well_formed(response, event)
        assert helpers.status(response) == 400
        assert "Malformed" in helpers.body(response)["message"]

    def test_an_unexpected_error_in_a_route_is_a_logged_500_without_details(
        self, call: Any, pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, capture_logs: Callable[[], Any]
    ) -> None:
        """The resolver's catch-all (create_app's Exception handler) answers it: a route's failure
        gets the documented 500, is logged with its traceback, and never reaches the wrapper."""

        def explode(*_: Any) -> Any:
            raise RuntimeError("database password is hunter2")

        monkeypatch.setattr(pf.mock_data.STORE, "list_projects", explode)
        with capture_logs() as logs:
            status, body, response = call("scheduling", "/projects", session={"customer_id": "CUST001", "x": "y"})
        assert status == 500
        assert body == {"statusCode": 500, "error": "Internal Server Error", "message": GENERIC_500}
        assert "hunter2" not in json.dumps(response)
        assert response["sessionAttributes"] == {"customer_id": "CUST001", "x": "y"}
        records = own_records(logs)
        (logged,) = [r for r in records if r["message"] == "Unexpected error in action"]
        assert logged["level"] == "ERROR" and logged["api_path"] == "/projects"
        assert "RuntimeError: database password is hunter2" in logged["exception"]  # details: logs only
        assert not [r for r in records if r["message"] == "Resolver failed"]

    @pytest.mark.parametrize("failure", ["resolver", "error mapping"])
    def test_an_exception_escaping_the_resolver_is_answered_by_the_wrapper(
        self,
        failure: str,
        handlers: dict[str, ModuleType],
        pf: SimpleNamespace,
        helpers: SimpleNamespace,
        monkeypatch: pytest.MonkeyPatch,
        capture_logs: Callable[[], Any],
    ) -> None:
        """make_lambda_handler's last line of defence: when Powertools itself raises (here its
        resolve(), or our error mapping while it answers a route's NotFoundError), the wrapper
        still returns a Bedrock 500, built without Powertools, and logs the exception."""
        handler = handlers["notes"]

        def broken(*_: Any, **__: Any) -> Any:
            raise RuntimeError("internal detail token-8f2c")

        if failure == "resolver":
            monkeypatch.setattr(handler.app, "resolve", broken)
        else:
            monkeypatch.setattr(pf.bedrock, "_error", broken)
        event = helpers.event(NOTES, "GET", {"project_id": "PRJ-9999"}, session={"customer_id": "CUST001", "x": "y"})
        event["promptSessionAttributes"] = {"today": "Monday"}
        with capture_logs() as logs:
            response = handler.lambda_handler(event, None)

        helpers.assert_well_formed(response, event)
        assert helpers.status(response) == 500
        assert helpers.body(response) == {"statusCode": 500, "error": "Internal Server Error", "message": GENERIC_500}
        assert response["response"]["actionGroup"] == "test-actions" and response["response"]["apiPath"] == NOTES
        assert response["sessionAttributes"] == {"customer_id": "CUST001", "x": "y"}
        assert response["promptSessionAttributes"] == {"today": "Monday"}
        assert "token-8f2c" not in json.dumps(response)
        records = own_records(logs)
        (logged,) = [r for r in records if r["message"] == "Resolver failed"]
        assert logged["level"] == "ERROR" and logged["api_path"] == NOTES and logged["action_group"] == "test-actions"
        assert "RuntimeError: internal detail token-8f2c" in logged["exception"]
        assert [r["status_code"] for r in records if r["message"] == "Action completed"] == [500]

    @pytest.mark.parametrize(
        ("env", "expected"),
        [
            ({"USE_MOCK_API": "maybe"}, "USE_MOCK_API"),
            ({"USE_MOCK_API": "false"}, "PF360_API_BASE_URL, PF360_CLIENT_ID, PF360_CREDENTIALS_SECRET_ARN"),
            (
                {
                    "USE_MOCK_API": "false",
                    "PF360_API_BASE_URL": "ftp://x",
                    "PF360_CLIENT_ID": "C",
                    "PF360_CREDENTIALS_SECRET_ARN": "arn",
                },
                "http(s)",
            ),
        ],
    )
    def test_configuration_errors_are_500_naming_the_setting(
        self, call: Any, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
    ) -> None:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        status, body, _ = call("scheduling", "/projects")
        assert status == 500 and expected in body["message"]
