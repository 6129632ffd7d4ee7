"""Property: whatever arrives, each handler answers with a well-formed Bedrock response and never
an internal error (in mock mode every failure is the caller's: 4xx)."""

from __future__ import annotations

import datetime as dt
from types import ModuleType, SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st


# Values an agent (or a broken client) might send: real ids and dates, near misses, junk.
TRICKY_VALUES = [
    "PRJ-1001",
    "PRJ-1002",
    "PRJ-1003",
    "PRJ-9999",
    "CUST001",
    "CUST002",
    "09PF05VD",
    "2025-01-07",
    "2025-01-09",
    "2025-01-11",
    "2025-02-30",
    "2024-12-31",
    "2030-01-01",
    "01/07/2025",
    "09:00",
    "9 am",
    "16:00",
    "17:00",
    "07:59",
    "24:00",
    "-1",
    "0",
    "",
    " ",
    "null",
    "../../etc/passwd",
    "%2F..%2F",
    "x" * 1001,
    "\u0000",
    "\ud800",
    "{}",
    "[]",
]

json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
value = st.sampled_from(TRICKY_VALUES) | st.text(max_size=40) | st.dates().map(str)


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, list[str], list[str]]]:
    """(path, METHOD, parameter names, body property names) of each operation."""
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            found.append(
                (
                    path,
                    method.upper(),
                    [p["name"] for p in operation.get("parameters", [])],
                    list(body.get("schema", {}).get("properties", {})),
                )
            )
    return found


# Known parameters mostly get plausible values, so that many events reach the business logic
# (dates around the pinned mock "today", 2025-01-06).
PLAUSIBLE = {
    "project_id": st.sampled_from(["PRJ-1001", "PRJ-1002", "PRJ-1003"]),
    "date": st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2025, 2, 15)).map(str),
    "start_time": st.integers(min_value=6, max_value=18).map(lambda h: f"{h:02d}:00"),
    "text": st.text(min_size=1, max_size=60),
    "reason": st.text(max_size=30),
}


def _properties(names: list[str]) -> st.SearchStrategy[list[dict[str, str]]]:
    """Each known name present or not (plausible or tricky value), plus sometimes an unknown one."""

    def prop(name: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, str]]:
        return st.fixed_dictionaries({"name": st.just(name), "type": st.just("string"), "value": values})

    known = st.tuples(*(st.none() | prop(n, PLAUSIBLE.get(n, value)) | prop(n, value) for n in names))
    unknown = st.lists(prop("unexpected", value), max_size=1)
    return st.tuples(known, unknown).map(lambda t: [p for p in t[0] if p is not None] + t[1])


_EVENTS: dict[str, st.SearchStrategy[Any]] = {}


def events(name: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Events for action group `name` (built once per group, from its committed schema)."""
    if name not in _EVENTS:
        _EVENTS[name] = _events(name, schema)
    return _EVENTS[name]


def _events(name: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    operations = _operations(schema)
    all_names = sorted({n for op in operations for n in op[2] + op[3]} | {"customer_id", "client_id"})
    session = st.fixed_dictionaries(
        {}, optional={"customer_id": st.sampled_from(["CUST001", "CUST002"]) | value, "client_id": value}
    )
    good_session = st.just({"customer_id": "CUST001"}) | session

    def well_typed(operation: tuple[str, str, list[str], list[str]]) -> st.SearchStrategy[dict[str, Any]]:
        path, method, params, body = operation
        request_body = st.builds(
            lambda props: {"content": {"application/json": {"properties": props}}}, _properties(body)
        )
        return st.fixed_dictionaries(
            {
                "messageVersion": st.just("1.0"),
                "actionGroup": st.just(f"{name}-actions"),
                "apiPath": st.just(path),
                "httpMethod": st.just(method),
                "parameters": _properties(params),
                "sessionAttributes": good_session,
                "promptSessionAttributes": st.just({}),
            },
            optional={"requestBody": request_body} if body else {},
        )

    parameter = st.fixed_dictionaries(
        {"name": st.sampled_from(all_names) | st.text(max_size=10), "type": st.text(max_size=8), "value": value}
    )
    near_valid = st.fixed_dictionaries(
        {
            "messageVersion": st.just("1.0"),
            "actionGroup": st.text(max_size=12),
            "apiPath": st.sampled_from([op[0] for op in operations]) | st.text(max_size=30),
            "httpMethod": st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "get"]) | st.text(max_size=8),
        },
        optional={
            "parameters": st.lists(parameter, max_size=4) | json_value,
            "requestBody": st.fixed_dictionaries(
                {
                    "content": st.dictionaries(
                        st.sampled_from(["application/json", "text/plain"]),
                        st.fixed_dictionaries({"properties": st.lists(parameter, max_size=4)}),
                    )
                }
            )
            | json_value,
            "sessionAttributes": session | json_value,
            "promptSessionAttributes": st.dictionaries(st.text(max_size=5), st.text(max_size=5)) | json_value,
            "inputText": st.text(max_size=20),
        },
    )
    targeted = st.one_of([well_typed(operation) for operation in operations])
    # Mostly events that reach the routes with plausible inputs; then broken envelopes; then junk.
    return st.one_of(targeted, targeted, targeted, near_valid, json_value)


@settings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_event_gets_a_well_formed_non_500_response(
    action_group: str,
    data: st.DataObject,
    handlers: dict[str, ModuleType],
    schemas: dict[str, dict[str, Any]],
    helpers: SimpleNamespace,
) -> None:
    bedrock_event = data.draw(events(action_group, schemas[action_group]), label="event")
    response = handlers[action_group].lambda_handler(bedrock_event, None)
    helpers.assert_well_formed(response, bedrock_event)
    status = helpers.status(response)
    event(f"HTTP {status}")  # --hypothesis-show-statistics shows how deep the inputs reached
    assert status != 500, helpers.body(response)
