"""modules/stream_trigger.py alone: batching, bisect on error, bounded retries and record age,
partial batch responses, the failure destination, and refused props."""

from __future__ import annotations

import pytest

from modules.stream_trigger import StreamTrigger, StreamTriggerProps
from tests.conftest import one, synth_construct

STREAM = "arn:aws:kinesis:eu-west-1:111122223333:stream/fraud-transactions-dev"
DLQ = "arn:aws:sqs:eu-west-1:111122223333:fraud-detection-dlq-dev"


def build(**props):
    def add(stack):
        StreamTrigger(stack, "t", StreamTriggerProps(function_name="fn", source_arn=STREAM, **props))
    return one(synth_construct(add), "aws_lambda_event_source_mapping")


def test_defaults():
    mapping = build()
    assert mapping["function_name"] == "fn" and mapping["event_source_arn"] == STREAM
    assert mapping["starting_position"] == "LATEST"
    assert mapping["batch_size"] == 100 and mapping["maximum_batching_window_in_seconds"] == 5
    assert mapping["bisect_batch_on_function_error"] is True
    assert mapping["maximum_retry_attempts"] == 3
    assert mapping["maximum_record_age_in_seconds"] == 3600
    assert mapping["parallelization_factor"] == 1
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert "destination_config" not in mapping


def test_failure_destination_and_tuning():
    mapping = build(on_failure_destination_arn=DLQ, batch_size=500, max_batching_window_seconds=10,
                    bisect_on_error=False, maximum_retry_attempts=0, maximum_record_age_seconds=-1,
                    starting_position="TRIM_HORIZON", parallelization_factor=4)
    assert mapping["destination_config"] == {"on_failure": {"destination_arn": DLQ}}
    assert mapping["batch_size"] == 500 and mapping["maximum_batching_window_in_seconds"] == 10
    assert mapping["bisect_batch_on_function_error"] is False
    assert mapping["maximum_retry_attempts"] == 0 and mapping["maximum_record_age_in_seconds"] == -1
    assert mapping["starting_position"] == "TRIM_HORIZON" and mapping["parallelization_factor"] == 4


@pytest.mark.parametrize("props, message", [
    ({"batch_size": 0}, "batch_size is 0; 1-10000"),
    ({"batch_size": 10001}, "batch_size"),
    ({"max_batching_window_seconds": 301}, "max_batching_window_seconds"),
    ({"maximum_retry_attempts": -1}, "maximum_retry_attempts"),
    ({"maximum_record_age_seconds": 59}, "maximum_record_age_seconds is 59"),
    ({"parallelization_factor": 11}, "parallelization_factor"),
    ({"starting_position": "AT_TIMESTAMP"}, "LATEST or TRIM_HORIZON"),
])
def test_bad_props_are_refused(props, message):
    with pytest.raises(ValueError, match=message):
        StreamTriggerProps(function_name="fn", source_arn=STREAM, **props)
