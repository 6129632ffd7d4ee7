"""modules/metric_alarms.py alone: one alarm per spec, single metric or metric math, notifying
the given topics; names unique and stable as resource addresses."""

from __future__ import annotations

import pytest

from modules.alarm_specs import AlarmSpec, MetricQuery
from modules.metric_alarms import MetricAlarms, MetricAlarmsProps
from tests.conftest import resources, synth_construct

TOPIC = "arn:aws:sns:eu-west-1:111122223333:t-alarms"
ERRORS = AlarmSpec(name="t-errors", description="Lambda errors",
                   comparison_operator="GreaterThanThreshold", threshold=0,
                   namespace="AWS/Lambda", metric_name="Errors", statistic="Sum",
                   dimensions={"FunctionName": "t-chat"})
P99 = AlarmSpec(name="t-latency", description="p99 duration",
                comparison_operator="GreaterThanOrEqualToThreshold", threshold=20000,
                namespace="AWS/Lambda", metric_name="Duration", statistic="p99",
                evaluation_periods=3, datapoints_to_alarm=2, treat_missing_data="missing")
RATE = AlarmSpec(name="t-error-rate", description="error %",
                 comparison_operator="GreaterThanThreshold", threshold=5,
                 expression="100 * errors / invocations", metrics=(
                     MetricQuery("errors", "AWS/Lambda", "Errors", "Sum", {"FunctionName": "t"}),
                     MetricQuery("invocations", "AWS/Lambda", "Invocations", "Sum", {},
                                 period_seconds=60)))


def build(**props) -> tuple[dict, dict]:
    captured = {}

    def add(stack):
        captured["alarms"] = MetricAlarms(stack, "alarms", MetricAlarmsProps(**props))
    return synth_construct(add), captured


@pytest.fixture(scope="module")
def alarms():
    return build(alarms=(ERRORS, P99, RATE), topic_arns=(TOPIC,))


def by_name(stack):
    return {a["alarm_name"]: a for a in resources(stack, "aws_cloudwatch_metric_alarm").values()}


def test_single_metric_alarm_with_defaults(alarms):
    stack, captured = alarms
    alarm = by_name(stack)["t-errors"]
    assert alarm == {"alarm_name": "t-errors", "alarm_description": "Lambda errors",
                     "comparison_operator": "GreaterThanThreshold", "threshold": 0,
                     "evaluation_periods": 1, "datapoints_to_alarm": 1,
                     "treat_missing_data": "notBreaching", "actions_enabled": True,
                     "alarm_actions": [TOPIC], "ok_actions": [TOPIC],
                     "namespace": "AWS/Lambda", "metric_name": "Errors", "statistic": "Sum",
                     "dimensions": {"FunctionName": "t-chat"}, "period": 300}
    assert set(captured["alarms"].alarm_arns) == {"t-errors", "t-latency", "t-error-rate"}


def test_percentile_goes_to_extended_statistic(alarms):
    alarm = by_name(alarms[0])["t-latency"]
    assert alarm["extended_statistic"] == "p99" and "statistic" not in alarm
    assert (alarm["evaluation_periods"], alarm["datapoints_to_alarm"]) == (3, 2)
    assert alarm["treat_missing_data"] == "missing" and "dimensions" not in alarm


def test_metric_math_alarm(alarms):
    alarm = by_name(alarms[0])["t-error-rate"]
    assert not {"namespace", "metric_name", "statistic", "period", "dimensions"} & set(alarm)
    expression, errors, calls = alarm["metric_query"]
    assert expression == {"id": "result", "expression": "100 * errors / invocations",
                          "label": "t-error-rate", "return_data": True}
    assert errors == {"id": "errors", "return_data": False, "metric": {
        "namespace": "AWS/Lambda", "metric_name": "Errors", "stat": "Sum", "period": 300,
        "dimensions": {"FunctionName": "t"}}}
    assert calls["metric"]["period"] == 60 and "dimensions" not in calls["metric"]


def test_logical_ids_come_from_names_not_order(alarms):
    stack, _ = build(alarms=(RATE, ERRORS), topic_arns=(TOPIC,), notify_ok=False)
    reordered = set(resources(stack, "aws_cloudwatch_metric_alarm"))
    assert reordered == {"alarms_alarm_t_error_rate_0DAC5A59", "alarms_alarm_t_errors_DE3D7F4A"}
    assert reordered < set(resources(alarms[0], "aws_cloudwatch_metric_alarm"))
    assert all("ok_actions" not in a for a in by_name(stack).values())


@pytest.mark.parametrize("props, message", [
    (dict(alarms=(ERRORS, ERRORS), topic_arns=(TOPIC,)), "share a name"),
    (dict(alarms=(ERRORS, AlarmSpec(**{**ERRORS.__dict__, "name": "T.errors"})),
          topic_arns=(TOPIC,)), "differ only in punctuation"),
    (dict(alarms=(ERRORS,), topic_arns=()), "SNS topic"),
])
def test_refused_alarm_sets(props, message):
    with pytest.raises(ValueError, match=message):
        build(**props)
