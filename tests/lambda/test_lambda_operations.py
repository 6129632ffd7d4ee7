"""Every operation of every committed schema, called with valid input, answers 2xx with a body
that matches the schema's own 200 response. The operations come from the schemas of the agent
table's action groups (conftest's `operation` parameter)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator, validate

# The operations of the action groups this file knows. A known group must have exactly these
# (a new operation needs its valid inputs below); a group that is not listed here is tested
# through whichever of its operations VALID_INPUTS covers, and skips the others.
KNOWN_OPERATIONS = {
    "scheduling": {
        "listProjects",
        "getAvailableDates",
        "getTimeSlots",
        "confirmAppointment",
        "rescheduleAppointment",
        "cancelAppointment",
    },
    "information": {"listProjects", "getProjectDetails", "getAppointmentStatus", "getBusinessHours"},
    "notes": {"listProjects", "listNotes", "addNote"},
}

Call = Callable[[str, str, str, dict[str, str], dict[str, str] | None], Any]


def _first_free_slot(call: Call, project_id: str) -> tuple[str, str]:
    dates = call("scheduling", "/projects/{project_id}/available-dates", "GET", {"project_id": project_id}, None)
    day = dates["available_dates"][0]
    slots = call(
        "scheduling", "/projects/{project_id}/time-slots", "GET", {"project_id": project_id, "date": day}, None
    )
    return day, slots["time_slots"][0]["start_time"]


def _booking(project_id: str) -> Callable[[Call], tuple[dict[str, str], dict[str, str]]]:
    def build(call: Call) -> tuple[dict[str, str], dict[str, str]]:
        day, start = _first_free_slot(call, project_id)
        return {"project_id": project_id}, {"date": day, "start_time": start}

    return build


def _slots_input(call: Call) -> tuple[dict[str, str], None]:
    day, _ = _first_free_slot(call, "PRJ-1001")
    return {"project_id": "PRJ-1001", "date": day}, None


# operationId -> (call -> (parameters, request body)). A new operation must be added here.
VALID_INPUTS: dict[str, Callable[[Call], tuple[dict[str, str], dict[str, str] | None]]] = {
    "listProjects": lambda call: ({}, None),
    "getAvailableDates": lambda call: ({"project_id": "PRJ-1001"}, None),
    "getTimeSlots": _slots_input,
    "confirmAppointment": _booking("PRJ-1001"),
    "rescheduleAppointment": _booking("PRJ-1002"),
    "cancelAppointment": lambda call: ({"project_id": "PRJ-1002", "reason": "Customer is travelling"}, None),
    "getProjectDetails": lambda call: ({"project_id": "PRJ-1003"}, None),
    "getAppointmentStatus": lambda call: ({"project_id": "PRJ-1002"}, None),
    "getBusinessHours": lambda call: ({}, None),
    "listNotes": lambda call: ({"project_id": "PRJ-1002"}, None),
    "addNote": lambda call: ({"project_id": "PRJ-1001"}, {"text": "Gate code is 4321; the dog stays inside."}),
}


def test_valid_inputs_cover_exactly_the_known_operations() -> None:
    assert set(VALID_INPUTS) == set().union(*KNOWN_OPERATIONS.values())


def test_known_action_groups_have_exactly_their_operations(
    action_group: str, schemas: dict[str, dict[str, Any]]
) -> None:
    found = {op["operationId"] for item in schemas[action_group]["paths"].values() for op in item.values()}
    if action_group in KNOWN_OPERATIONS:
        assert found == KNOWN_OPERATIONS[action_group], "new operation? add it and its valid inputs here"
    else:
        assert found  # a new group: its operations are tested below when VALID_INPUTS has them


def test_operation_answers_valid_input_with_its_documented_response(
    operation: Any,
    handlers: dict[str, ModuleType],
    schemas: dict[str, dict[str, Any]],
    helpers: SimpleNamespace,
) -> None:
    name, operation_id, path, method = operation
    if operation_id not in VALID_INPUTS:
        pytest.skip(f"{operation_id} of action group {name}: add its valid inputs to VALID_INPUTS")

    def call(
        function: str, api_path: str, http_method: str, params: dict[str, str], body: dict[str, str] | None
    ) -> Any:
        response = handlers[function].lambda_handler(helpers.event(api_path, http_method, params, body), None)
        assert helpers.status(response) == 200, helpers.body(response)
        return helpers.body(response)

    params, body = VALID_INPUTS[operation_id](call)
    event = helpers.event(path, method.upper(), params, body, action_group=f"{name}-actions")
    response = handlers[name].lambda_handler(event, None)

    helpers.assert_well_formed(response, event)
    assert helpers.status(response) == 200, helpers.body(response)
    assert response["sessionAttributes"] == event["sessionAttributes"]
    documented = schemas[name]["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    validate(helpers.body(response), documented, cls=OAS30Validator)
