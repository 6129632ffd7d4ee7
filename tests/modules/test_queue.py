"""modules/queue.py alone: encryption at rest (SSE-SQS or the customer key), TLS-only policy,
extra policy statements on this queue, and the send grant."""

from __future__ import annotations

import pytest

from modules.policy import Statement
from modules.queue import QUEUE_ARN, Queue, QueueProps
from tests.conftest import one, policy_statements, synth_construct

KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"


def build(**props):
    captured = {}

    def add(stack):
        queue = Queue(stack, "q", QueueProps(name="t-dlq", region="eu-west-1", **props))
        captured.update(statements=queue.send_statements(), arn=queue.queue_arn)
    return synth_construct(add), captured


def test_defaults_sse_sqs_max_retention_tls_only():
    stack, captured = build(kms_key_arn=None)
    queue = one(stack, "aws_sqs_queue")
    assert queue["sqs_managed_sse_enabled"] is True and "kms_master_key_id" not in queue
    assert queue["message_retention_seconds"] == 14 * 24 * 3600
    (deny,) = policy_statements(stack, one(stack, "aws_sqs_queue_policy")["policy"])
    assert deny["effect"] == "Deny" and deny["condition"][0]["variable"] == "aws:SecureTransport"
    (send,) = captured["statements"]
    assert send.actions == ("sqs:SendMessage",) and send.resources == (captured["arn"],)


def test_customer_key_and_a_service_allowed_to_send():
    rule = "arn:aws:events:eu-west-1:111122223333:rule/r"
    stack, captured = build(kms_key_arn=KEY, extra_policy_statements=(Statement(
        sid="Rule", actions=("sqs:SendMessage",), resources=(QUEUE_ARN,),
        principals=(("Service", ("events.amazonaws.com",)),),
        conditions=(("ArnEquals", "aws:SourceArn", (rule,)),)),))
    assert one(stack, "aws_sqs_queue")["kms_master_key_id"] == KEY
    _, allow = policy_statements(stack, one(stack, "aws_sqs_queue_policy")["policy"])
    assert allow["resources"][0].startswith("${aws_sqs_queue.") and allow["condition"][0]["values"] == [rule]
    send, encrypt = captured["statements"]
    assert encrypt.conditions == (("StringEquals", "kms:ViaService", ("sqs.eu-west-1.amazonaws.com",)),)


def test_retention_out_of_range_is_refused():
    with pytest.raises(ValueError, match="retention_seconds"):
        QueueProps(name="q", kms_key_arn=None, region="eu-west-1", retention_seconds=30)
