"""modules/schedule.py alone: the expression check, the rule and its Lambda target with retries,
the dead-letter queue only this rule can send to (TLS only), and the function's permission."""

from __future__ import annotations

import json

import pytest

from modules.schedule import Schedule, ScheduleProps, validate_schedule_expression
from tests.conftest import one, policy_statements, synth_construct

KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:111122223333:function:pf-dev-reminders"


def props(**fields) -> ScheduleProps:
    return ScheduleProps(**{"rule_name": "pf-dev-reminders", "schedule_expression": "rate(1 day)",
                            "description": "Daily appointment reminders",
                            "function_arn": FUNCTION_ARN, "function_name": "pf-dev-reminders",
                            "kms_key_arn": None, **fields})


def build(**fields):
    captured = {}

    def add(stack):
        schedule = Schedule(stack, "reminders", props(**fields))
        captured.update(rule=schedule.rule_arn, dlq=schedule.dlq_arn, url=schedule.dlq_url)
    return synth_construct(add), captured


@pytest.fixture(scope="module")
def plain():
    return build()


def ref(stack: dict, resource_type: str, attribute: str) -> str:
    (logical_id,) = stack["resource"][resource_type]
    return f"${{{resource_type}.{logical_id}.{attribute}}}"


def test_defaults(plain):
    stack, captured = plain
    rule = one(stack, "aws_cloudwatch_event_rule")
    assert rule == {"name": "pf-dev-reminders", "description": "Daily appointment reminders",
                    "schedule_expression": "rate(1 day)", "state": "ENABLED"}
    target = one(stack, "aws_cloudwatch_event_target")
    assert target["arn"] == FUNCTION_ARN and "input" not in target
    assert target["rule"] == ref(stack, "aws_cloudwatch_event_rule", "name")
    assert target["retry_policy"] == {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 3600}
    assert target["dead_letter_config"] == {"arn": ref(stack, "aws_sqs_queue", "arn")}
    queue = one(stack, "aws_sqs_queue")
    assert queue == {"name": "pf-dev-reminders-dlq", "message_retention_seconds": 1209600,
                     "sqs_managed_sse_enabled": True}
    assert all(captured.values())


def test_dead_letter_queue_takes_only_this_rules_events_over_tls(plain):
    stack, _ = plain
    policy = one(stack, "aws_sqs_queue_policy")
    assert policy["queue_url"] == ref(stack, "aws_sqs_queue", "url")
    tls, rule_only = policy_statements(stack, policy["policy"])
    queue_arn = ref(stack, "aws_sqs_queue", "arn")
    assert (tls["sid"], tls["effect"], tls["actions"], tls["resources"]) == (
        "DenyInsecureTransport", "Deny", ["sqs:*"], [queue_arn])
    assert tls["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]
    assert rule_only["principals"] == [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]
    assert rule_only["actions"] == ["sqs:SendMessage"] and rule_only["resources"] == [queue_arn]
    assert rule_only["condition"] == [{"test": "ArnEquals", "variable": "aws:SourceArn",
                                       "values": [ref(stack, "aws_cloudwatch_event_rule", "arn")]}]


def test_function_permission_names_this_rule(plain):
    stack, _ = plain
    permission = one(stack, "aws_lambda_permission")
    assert permission == {"statement_id": "AllowSchedule-pf-dev-reminders",
                          "action": "lambda:InvokeFunction", "function_name": "pf-dev-reminders",
                          "principal": "events.amazonaws.com",
                          "source_arn": ref(stack, "aws_cloudwatch_event_rule", "arn")}


def test_customer_key_input_retries_and_disabled_rule():
    stack, _ = build(kms_key_arn=KEY, input={"kind": "reminder", "days_ahead": 1},
                     maximum_retry_attempts=0, maximum_event_age_seconds=60, enabled=False,
                     schedule_expression="cron(0 8 ? * MON-FRI *)")
    queue = one(stack, "aws_sqs_queue")
    assert queue["kms_master_key_id"] == KEY and "sqs_managed_sse_enabled" not in queue
    rule = one(stack, "aws_cloudwatch_event_rule")
    assert rule["state"] == "DISABLED" and rule["schedule_expression"] == "cron(0 8 ? * MON-FRI *)"
    target = one(stack, "aws_cloudwatch_event_target")
    assert json.loads(target["input"]) == {"days_ahead": 1, "kind": "reminder"}
    assert target["retry_policy"] == {"maximum_retry_attempts": 0, "maximum_event_age_in_seconds": 60}


def test_key_policy_statements_let_eventbridge_encrypt_for_the_queue():
    (statement,) = Schedule.key_policy_statements()
    assert statement.principals == (("Service", ("events.amazonaws.com",)),)
    assert statement.actions == ("kms:Decrypt", "kms:GenerateDataKey")


@pytest.mark.parametrize("expression", [
    "rate(1 minute)", "rate(1 hour)", "rate(1 day)", "rate(5 minutes)", "rate(12 hours)",
    "rate(7 days)", "cron(0 8 ? * MON-FRI *)", "cron(15 10 * * ? *)", "cron(0/15 * * * ? *)",
    "cron(0 18 L * ? 2030)", "cron(0 9 ? * 2#1 *)",
])
def test_valid_expressions(expression):
    assert validate_schedule_expression(expression) == expression


@pytest.mark.parametrize("expression, message", [
    ("rate(1 days)", r"write rate\(1 day\)"),
    ("rate(5 minute)", r"write rate\(5 minutes\)"),
    ("rate(0 minutes)", "neither rate"),
    ("rate(5 weeks)", "neither rate"),
    ("rate(5minutes)", "neither rate"),
    ("cron(0 8 * * *)", "6 fields"),
    ("cron(0  8 * * ? *)", "6 fields"),
    ("cron(0 8 * * MON *)", "exactly one of day-of-month"),
    ("cron(0 8 ? * ? *)", "exactly one of day-of-month"),
    ("every day", "neither rate"),
    ("0 8 * * *", "neither rate"),
])
def test_invalid_expressions_say_what_to_write(expression, message):
    with pytest.raises(ValueError, match=message):
        validate_schedule_expression(expression)


@pytest.mark.parametrize("fields, message", [
    ({"schedule_expression": "rate(2 day)"}, r"rate\(2 days\)"),
    ({"rule_name": "pf dev"}, "rule name"),
    ({"maximum_retry_attempts": 186}, "0-185"),
    ({"maximum_event_age_seconds": 59}, "60-86400"),
])
def test_props_refuse_bad_settings(fields, message):
    with pytest.raises(ValueError, match=message):
        props(**fields)
