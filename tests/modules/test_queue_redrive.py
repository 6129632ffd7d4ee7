"""modules/queue.py additions: redrive to a dead-letter queue, the redrive allow policy, the
visibility timeout, the consume grant and the queue trigger (partial batch responses)."""

from __future__ import annotations

import pytest

from modules.queue import Queue, QueueProps, QueueTrigger, QueueTriggerProps
from tests.conftest import one, resources, synth_construct

KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"


def test_redrive_allow_policy_visibility_and_trigger():
    captured = {}

    def add(stack):
        dlq = Queue(stack, "dlq", QueueProps(name="d", kms_key_arn=KEY, region="eu-west-1",
                                             redrive_source_arns=("arn:aws:sqs:eu-west-1:111122223333:w",)))
        work = Queue(stack, "work", QueueProps(name="w", kms_key_arn=KEY, region="eu-west-1", grant_id="Work",
                                               visibility_timeout_seconds=180, dead_letter_queue_arn=dlq.queue_arn,
                                               max_receive_count=4))
        QueueTrigger(stack, "trigger", QueueTriggerProps(function_name="f", queue_arn=work.queue_arn,
                                                         batch_size=5, maximum_concurrency=3))
        captured["consume"] = work.consume_statements()

    stack = synth_construct(add)
    queues = {q["name"]: q for q in resources(stack, "aws_sqs_queue").values()}
    assert queues["w"]["visibility_timeout_seconds"] == 180 and "visibility_timeout_seconds" not in queues["d"]
    # The queue leaves the attributes its separate redrive resources own to them.
    assert queues["w"]["lifecycle"]["ignore_changes"] == ["redrive_policy"]
    assert queues["d"]["lifecycle"]["ignore_changes"] == ["redrive_allow_policy"]
    redrive = one(stack, "aws_sqs_queue_redrive_policy")["redrive_policy"]
    assert "maxReceiveCount" in redrive and "= 4" in redrive and "aws_sqs_queue.dlq_queue" in redrive
    allow = one(stack, "aws_sqs_queue_redrive_allow_policy")["redrive_allow_policy"]
    assert "byQueue" in allow and "arn:aws:sqs:eu-west-1:111122223333:w" in allow
    mapping = one(stack, "aws_lambda_event_source_mapping")
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["batch_size"] == 5 and mapping["scaling_config"] == {"maximum_concurrency": 3}
    consume, decrypt = captured["consume"]
    assert consume.sid == "ConsumeWork" and "sqs:ReceiveMessage" in consume.actions
    assert decrypt.conditions == (("StringEquals", "kms:ViaService", ("sqs.eu-west-1.amazonaws.com",)),)


def test_a_plain_queue_keeps_its_old_shape():
    stack = synth_construct(lambda s: Queue(s, "q", QueueProps(name="q", kms_key_arn=None, region="eu-west-1")))
    assert not resources(stack, "aws_sqs_queue_redrive_policy")
    assert not resources(stack, "aws_sqs_queue_redrive_allow_policy")
    assert "lifecycle" not in one(stack, "aws_sqs_queue")
    assert "visibility_timeout_seconds" not in one(stack, "aws_sqs_queue")


@pytest.mark.parametrize("props, field", [
    (dict(visibility_timeout_seconds=50000), "visibility_timeout_seconds"),
    (dict(max_receive_count=0), "max_receive_count"),
])
def test_out_of_range_queue_props_are_refused(props, field):
    with pytest.raises(ValueError, match=field):
        QueueProps(name="q", kms_key_arn=None, region="eu-west-1", **props)


@pytest.mark.parametrize("props, field", [
    (dict(batch_size=11), "batch_size"),
    (dict(batch_size=100, max_batching_window_seconds=301), "max_batching_window_seconds"),
    (dict(maximum_concurrency=1), "maximum_concurrency"),
])
def test_out_of_range_trigger_props_are_refused(props, field):
    with pytest.raises(ValueError, match=field):
        QueueTriggerProps(function_name="f", queue_arn="arn", **props)
