"""Phase 3 async work: the two queue consumers, the workflow steps and the events consumer,
against moto (Kinesis, SNS, SQS) with the mock PF360 data; hypothesis fuzzes every entry point
with arbitrary events (none may raise where its contract says it answers)."""

from __future__ import annotations

import base64
import json
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CUSTOMER = {"customer_id": "CUST001", "client_id": "09PF05VD"}
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def sqs_event(*bodies: Any) -> dict[str, Any]:
    return {"Records": [{"messageId": f"m{i}", "body": b if isinstance(b, str) else json.dumps(b),
                         "eventSource": "aws:sqs"} for i, b in enumerate(bodies)]}


def kinesis_event(*events: Any) -> dict[str, Any]:
    records = []
    for i, event in enumerate(events):
        data = event if isinstance(event, bytes) else json.dumps(event).encode()
        records.append({"kinesis": {"data": base64.b64encode(data).decode(),
                                    "sequenceNumber": f"{1000 + i}",
                                    "approximateArrivalTimestamp": 1736150400.0 + i},
                        "eventSource": "aws:kinesis"})
    return {"Records": records}


@pytest.fixture
def fns(phase2: dict[str, ModuleType]) -> dict[str, ModuleType]:
    return phase2


@pytest.fixture
def stream(aws_mock: None, helpers, monkeypatch: pytest.MonkeyPatch):
    """An events and a metrics stream in moto, named in the environment; returns a reader."""
    kinesis = helpers.aws_client("kinesis")
    arns = {}
    for name, variable in (("events", "EVENTS_STREAM"), ("metrics", "METRICS_STREAM")):
        kinesis.create_stream(StreamName=f"pf-{name}-test", ShardCount=1)
        arns[name] = kinesis.describe_stream(StreamName=f"pf-{name}-test")["StreamDescription"]["StreamARN"]
        monkeypatch.setenv(variable, arns[name])
    monkeypatch.setenv("ENVIRONMENT", "test")

    def read(name: str) -> list[dict[str, Any]]:
        shard = kinesis.list_shards(StreamName=f"pf-{name}-test")["Shards"][0]["ShardId"]
        iterator = kinesis.get_shard_iterator(StreamName=f"pf-{name}-test", ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = kinesis.get_records(ShardIterator=iterator)["Records"]
        return [json.loads(r["Data"]) for r in records]

    return read


@pytest.fixture
def topic(aws_mock: None, helpers, monkeypatch: pytest.MonkeyPatch):
    """A notifications topic with a raw-delivery queue subscribed; returns the inbox reader."""
    sns, sqs = helpers.aws_client("sns"), helpers.aws_client("sqs")
    arn = sns.create_topic(Name="pf-customer-notifications-test")["TopicArn"]
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv("NOTIFICATIONS_TOPIC", arn)

    def inbox() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return inbox


# -- async tasks ---------------------------------------------------------------------------------

def test_add_note_adds_it_and_publishes_an_event(fns, stream, pf) -> None:
    answer = fns["async_tasks"].lambda_handler(sqs_event(
        {"task": "add_note", **CUSTOMER, "project_id": "PRJ-1001", "text": "Chat summary: wants May"}), None)
    assert answer == {"batchItemFailures": []}
    notes = pf.mock_data.STORE.list_notes(pf.backend.CustomerContext(**CUSTOMER), "PRJ-1001")
    assert [n.text for n in notes] == ["Chat summary: wants May"]
    (event,) = stream("events")
    assert event["event_type"] == "note.added" and event["customer_id"] == "CUST001"
    assert event["environment"] == "test" and event["project_id"] == "PRJ-1001"


def test_project_report_counts_projects_and_booked_appointments(fns, stream) -> None:
    assert fns["async_tasks"].lambda_handler(
        sqs_event({"task": "project_report", **CUSTOMER}), None) == {"batchItemFailures": []}
    (event,) = stream("events")
    assert event["event_type"] == "report.generated"
    assert event["projects"] == 3 and sum(event["by_status"].values()) == 3
    assert [a["project_id"] for a in event["appointments"]] == ["PRJ-1002"]


def test_only_the_failed_messages_are_reported(fns, stream) -> None:
    answer = fns["async_tasks"].lambda_handler(sqs_event(
        {"task": "project_report", **CUSTOMER},
        "not json",
        {"task": "add_note", **CUSTOMER, "project_id": "PRJ-9999", "text": "x"},  # not theirs
        {"task": "format_disk", **CUSTOMER},
    ), None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"},
                                            {"itemIdentifier": "m3"}]}
    assert [e["event_type"] for e in stream("events")] == ["report.generated"]


def test_a_failed_event_put_does_not_fail_the_done_task(fns, aws_mock, monkeypatch) -> None:
    monkeypatch.setenv("EVENTS_STREAM", "arn:aws:kinesis:us-east-1:123456789012:stream/missing")
    assert fns["async_tasks"].lambda_handler(
        sqs_event({"task": "project_report", **CUSTOMER}), None) == {"batchItemFailures": []}


# -- appointment notifications -------------------------------------------------------------------

def test_reminder_goes_to_the_topic_with_the_customer_attribute(fns, topic, stream) -> None:
    answer = fns["appointment_notifications"].lambda_handler(sqs_event(
        {"kind": "reminder", **CUSTOMER, "project_id": "PRJ-1002"}), None)
    assert answer == {"batchItemFailures": []}
    (message,) = topic()
    assert message["Subject"] == "Appointment reminder" and "PRJ-1002" in message["Message"]
    assert message["MessageAttributes"]["customer_id"]["Value"] == "CUST001"
    assert message["MessageAttributes"]["kind"]["Value"] == "reminder"
    assert [e["event_type"] for e in stream("events")] == ["notification.sent"]


def test_obsolete_reminder_is_dropped_and_welcome_needs_no_project(fns, topic) -> None:
    answer = fns["appointment_notifications"].lambda_handler(sqs_event(
        {"kind": "reminder", **CUSTOMER, "project_id": "PRJ-1001"},   # nothing booked
        {"kind": "welcome", **CUSTOMER},
        {"kind": "confirmation", **CUSTOMER},                         # no project_id
    ), None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert [m["Subject"] for m in topic()] == ["Welcome"]


def test_without_a_topic_every_message_fails_for_a_retry(fns, aws_mock) -> None:
    answer = fns["appointment_notifications"].lambda_handler(sqs_event({"kind": "welcome", **CUSTOMER}), None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


# -- workflow steps ------------------------------------------------------------------------------

def booking(pf, **extra: Any) -> dict[str, Any]:
    ctx = pf.backend.CustomerContext(**CUSTOMER)
    day = pf.mock_data.STORE.available_dates(ctx, "PRJ-1001")[0]
    slot = pf.mock_data.STORE.time_slots(ctx, "PRJ-1001", day)[0]
    return {**CUSTOMER, "project_id": "PRJ-1001", "date": day.isoformat(),
            "start_time": slot.start_time, "session_id": "s-1", **extra}


def test_booking_steps_validate_check_and_confirm(fns, stream, pf) -> None:
    run = fns["workflow_tasks"].lambda_handler
    valid = run({"task": "validate_booking", "input": {**booking(pf), "extra": "ignored"}}, None)
    assert valid == booking(pf)
    assert run({"task": "check_slot", "input": valid}, None) == {"available": True}
    confirmed = run({"task": "confirm_booking", "input": valid}, None)
    assert confirmed["status"] == "confirmed" and confirmed["project_id"] == "PRJ-1001"
    (event,) = stream("events")
    assert event["event_type"] == "appointment.confirmed"
    assert event["confirmation_number"] == confirmed["confirmation_number"]
    with pytest.raises(Exception) as taken:  # booked twice: the slot step names the error
        run({"task": "confirm_booking", "input": valid}, None)
    assert type(taken.value).__name__ == "SlotUnavailable"


def test_step_errors_carry_the_names_the_state_machine_matches(fns, pf) -> None:
    run = fns["workflow_tasks"].lambda_handler
    cases = [
        ({"task": "validate_booking", "input": {**booking(pf), "date": "yesterday"}}, "InvalidRequest"),
        ({"task": "check_slot", "input": booking(pf, start_time="03:00")}, "SlotUnavailable"),
        ({"task": "load_projects", "input": {"customer_id": "NOBODY", "client_id": "09PF05VD"}},
         "CustomerNotFound"),
        ({"task": "rm_rf", "input": {}}, "InvalidRequest"),
    ]
    for event, error in cases:
        with pytest.raises(Exception) as raised:
            run(event, None)
        assert type(raised.value).__name__ == error, event


def test_onboarding_steps(fns, stream, monkeypatch) -> None:
    monkeypatch.setenv("SESSION_IDLE_DAYS", "7")
    run = fns["workflow_tasks"].lambda_handler
    customer = run({"task": "validate_customer", "input": CUSTOMER}, None)
    assert customer["session_id"] == "onboarding-CUST001"
    assert int(customer["expires_at"]) - int(customer["now"]) == 7 * 86400
    assert run({"task": "load_projects", "input": customer}, None) == {
        "project_ids": ["PRJ-1001", "PRJ-1002", "PRJ-1003"], "count": 3}
    assert run({"task": "record_onboarded", "input": customer}, None) == {"onboarded": True}
    assert [e["event_type"] for e in stream("events")] == ["customer.onboarded"]


# -- events consumer -----------------------------------------------------------------------------

def test_events_are_counted_per_minute_and_type_into_the_metrics_stream(fns, stream) -> None:
    at = "2025-01-06T10:15:30+00:00"
    answer = fns["events_consumer"].lambda_handler(kinesis_event(
        {"event_type": "note.added", "customer_id": "A", "occurred_at": at},
        {"event_type": "note.added", "customer_id": "B", "occurred_at": at},
        {"event_type": "note.added", "customer_id": "A", "occurred_at": at},
        {"event_type": "report.generated", "customer_id": "A", "occurred_at": "2025-01-06T10:16:00Z"},
        b"\xff not json",
    ), None)
    assert answer == {"batchItemFailures": []}
    rows = {(r["window_start"], r["event_type"]): r for r in stream("metrics")}
    assert rows[("2025-01-06T10:15:00Z", "note.added")]["count"] == 3
    assert rows[("2025-01-06T10:15:00Z", "note.added")]["customers"] == 2
    assert rows[("2025-01-06T10:16:00Z", "report.generated")]["count"] == 1
    assert sum(r["count"] for r in rows.values() if r["event_type"] == "invalid") == 1
    assert {r["environment"] for r in rows.values()} == {"test"}


def test_an_unwritable_metrics_stream_fails_the_batch_from_its_first_record(fns, aws_mock, monkeypatch) -> None:
    monkeypatch.setenv("METRICS_STREAM", "arn:aws:kinesis:us-east-1:123456789012:stream/missing")
    answer = fns["events_consumer"].lambda_handler(kinesis_event({"event_type": "x"}, {"event_type": "y"}), None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "1000"}]}


# -- fuzz ----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)
task_like = st.fixed_dictionaries({
    "task": st.sampled_from(["add_note", "project_report", "x"]) | st.text(max_size=5),
    "kind": st.sampled_from(["reminder", "confirmation", "cancellation", "welcome"]) | st.text(max_size=5),
    "customer_id": st.sampled_from(["CUST001", "", "NOBODY", "a b"]),
    "client_id": st.sampled_from(["09PF05VD", "X"]),
}, optional={"project_id": st.sampled_from(["PRJ-1001", "PRJ-1002", "PRJ-9", ""]),
             "text": st.text(max_size=30)})
bodies = st.one_of(task_like.map(json.dumps), st.text(max_size=40), json_values.map(json.dumps), json_values)
records = st.lists(st.one_of(
    st.builds(lambda i, b: {"messageId": f"id{i}", "body": b}, st.integers(0, 5), bodies),
    json_values), max_size=6)


@FUZZ
@given(event=st.one_of(st.builds(lambda r: {"Records": r}, records), json_values))
def test_queue_consumers_never_raise_and_report_only_known_ids(fns, event) -> None:
    ids = {r.get("messageId") for r in event.get("Records", []) if isinstance(r, dict)} \
        if isinstance(event, dict) and isinstance(event.get("Records"), list) else set()
    for name in ("async_tasks", "appointment_notifications"):
        answer = fns[name].lambda_handler(event, None)
        assert set(answer) == {"batchItemFailures"}
        assert {f["itemIdentifier"] for f in answer["batchItemFailures"]} <= ids


@FUZZ
@given(task=st.sampled_from(["validate_booking", "check_slot", "confirm_booking", "validate_customer",
                             "load_projects", "record_onboarded"]) | st.text(max_size=8),
       data=json_values | task_like)
def test_workflow_steps_fail_only_with_workflow_errors(fns, task, data) -> None:
    module = fns["workflow_tasks"]
    try:
        result = module.lambda_handler({"task": task, "input": data}, None)
    except module.WorkflowError:
        return
    json.dumps(result)


@FUZZ
@given(events=st.lists(st.one_of(
    st.builds(lambda t, c, o: {"event_type": t, "customer_id": c, "occurred_at": o},
              st.text(max_size=70), st.text(max_size=5) | st.none(),
              st.text(max_size=30) | st.integers() | st.floats(allow_nan=True)),
    st.binary(max_size=30)), max_size=8))
def test_events_consumer_aggregates_anything_without_raising(fns, events) -> None:
    answer = fns["events_consumer"].lambda_handler(kinesis_event(*events), None)
    assert answer == {"batchItemFailures": []}  # no METRICS_STREAM: nothing to put
    rows = fns["events_consumer"].aggregate(kinesis_event(*events)["Records"])
    assert sum(r["count"] for r in rows) == len(events)
