"""modules/event_rule.py alone: the rule's pattern on its bus, retries and dead-letter queue per
target, the invoke permission for exactly this rule, the helper statements, refused props."""

from __future__ import annotations

import json

import pytest

from modules.event_rule import EventRule, EventRuleProps, EventTarget
from tests.conftest import one, ref_id, resources, synth_construct

ACCOUNT, REGION = "111122223333", "eu-west-1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pf-dev-alerts"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:pf-dev-dlq"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/pf-dev-events"
PATTERN = {"source": ["fraud-detection"], "detail-type": ["FraudDetected", "TransactionReceived"]}


def props(**fields) -> EventRuleProps:
    return EventRuleProps(**{
        "rule_name": "pf-dev-events", "description": "Routes detections", "event_pattern": PATTERN,
        "account_id": ACCOUNT, "region": REGION,
        "targets": (EventTarget(target_id="alerts", arn=FUNCTION_ARN, function_name="pf-dev-alerts",
                                dead_letter_queue_arn=QUEUE_ARN),
                    EventTarget(target_id="archive", arn=STREAM_ARN, maximum_retry_attempts=0,
                                maximum_event_age_seconds=60)),
        **fields})


@pytest.fixture(scope="module")
def stack():
    return synth_construct(lambda s: EventRule(s, "events", props()))


def test_rule_matches_the_pattern_on_the_default_bus(stack):
    rule = one(stack, "aws_cloudwatch_event_rule")
    assert rule["name"] == "pf-dev-events" and rule["event_bus_name"] == "default"
    assert rule["state"] == "ENABLED" and rule["description"] == "Routes detections"
    assert json.loads(rule["event_pattern"]) == PATTERN


def test_lambda_target_retries_dead_letters_and_is_invoked_only_from_this_rule(stack):
    rule_key = next(iter(resources(stack, "aws_cloudwatch_event_rule")))
    targets = {t["target_id"]: t for t in resources(stack, "aws_cloudwatch_event_target").values()}
    alerts = targets["alerts"]
    assert alerts["arn"] == FUNCTION_ARN and ref_id(alerts["rule"]) == rule_key
    assert alerts["retry_policy"] == {"maximum_retry_attempts": 3, "maximum_event_age_in_seconds": 3600}
    assert alerts["dead_letter_config"] == {"arn": QUEUE_ARN}
    permission = one(stack, "aws_lambda_permission")
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["function_name"] == "pf-dev-alerts"
    assert permission["source_arn"] == f"${{aws_cloudwatch_event_rule.{rule_key}.arn}}"
    assert permission["source_account"] == ACCOUNT
    assert permission["statement_id"] == "AllowEvents-pf-dev-events"
    key = next(iter(resources(stack, "aws_lambda_permission")))
    assert alerts["depends_on"] == [f"aws_lambda_permission.{key}"]


def test_other_targets_get_their_own_retries_and_no_permission(stack):
    archive = next(t for t in resources(stack, "aws_cloudwatch_event_target").values()
                   if t["target_id"] == "archive")
    assert archive["retry_policy"] == {"maximum_retry_attempts": 0, "maximum_event_age_in_seconds": 60}
    assert "dead_letter_config" not in archive and "depends_on" not in archive
    assert len(resources(stack, "aws_lambda_permission")) == 1


def test_custom_bus_rule_arn_and_the_helper_statements():
    assert EventRule.rule_arn_of("r", ACCOUNT, REGION) == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/r"
    assert EventRule.rule_arn_of("r", ACCOUNT, REGION, bus="orders") == (
        f"arn:aws:events:{REGION}:{ACCOUNT}:rule/orders/r")
    dlq = EventRule.dead_letter_statement(QUEUE_ARN, "arn:rule")
    assert (dlq.actions, dlq.resources) == (("sqs:SendMessage",), (QUEUE_ARN,))
    assert dlq.principals == (("Service", ("events.amazonaws.com",)),)
    assert dlq.conditions == (("ArnEquals", "aws:SourceArn", ("arn:rule",)),)
    (put,) = EventRule.put_events_statements(ACCOUNT, REGION, sources=("fraud-detection",))
    assert put.resources == (f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",)
    assert put.conditions == (("StringEquals", "events:source", ("fraud-detection",)),)
    (anything,) = EventRule.put_events_statements(ACCOUNT, REGION, bus="orders")
    assert anything.conditions == () and anything.resources[0].endswith(":event-bus/orders")
    stack = synth_construct(lambda s: EventRule(s, "events", props(event_bus_name="orders")))
    assert {t["event_bus_name"] for t in resources(stack, "aws_cloudwatch_event_target").values()} == {"orders"}
    assert one(stack, "aws_cloudwatch_event_rule")["event_bus_name"] == "orders"


@pytest.mark.parametrize("make, message", [
    (lambda: EventTarget(target_id="has space", arn=FUNCTION_ARN), "1-64 letters"),
    (lambda: EventTarget(target_id="t", arn=FUNCTION_ARN, maximum_retry_attempts=186), "0-185"),
    (lambda: EventTarget(target_id="t", arn=FUNCTION_ARN, maximum_event_age_seconds=30), "60-86400"),
    (lambda: props(event_pattern={}), "the event pattern is empty"),
    (lambda: props(targets=()), "needs targets with unique ids"),
    (lambda: props(targets=(EventTarget(target_id="t", arn=FUNCTION_ARN),) * 2),
     "needs targets with unique ids"),
])
def test_props_refuse_rules_that_would_do_nothing_or_clash(make, message):
    with pytest.raises(ValueError, match=message):
        make()
