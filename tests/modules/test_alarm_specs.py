"""modules/alarm_specs.py: defaults of an alarm spec and every rule it enforces, each refused
with a message naming the alarm."""

from __future__ import annotations

import pytest

from modules.alarm_specs import AlarmSpec, MetricQuery

SINGLE = dict(name="t-errors", description="d", comparison_operator="GreaterThanThreshold",
              threshold=0, namespace="AWS/Lambda", metric_name="Errors", statistic="Sum")
ERRORS = MetricQuery("errors", "AWS/Lambda", "Errors", "Sum")
CALLS = MetricQuery("invocations", "AWS/Lambda", "Invocations", "Sum")
MATH = dict(name="t-rate", description="d", comparison_operator="GreaterThanThreshold",
            threshold=5, expression="100 * errors / invocations", metrics=(ERRORS, CALLS))


def test_defaults():
    spec = AlarmSpec(**SINGLE)
    assert (spec.period_seconds, spec.evaluation_periods, spec.datapoints_to_alarm,
            spec.treat_missing_data, spec.dimensions) == (300, 1, None, "notBreaching", {})
    assert AlarmSpec(**MATH).expression_id == "result"
    assert ERRORS.period_seconds == 300 and ERRORS.dimensions == {}


@pytest.mark.parametrize("changes", [
    dict(period_seconds=10), dict(period_seconds=30), dict(period_seconds=3600),
    dict(statistic="p99"), dict(statistic="p99.9"), dict(statistic="tm90"),
    dict(threshold=2.5), dict(evaluation_periods=5, datapoints_to_alarm=3),
    dict(treat_missing_data="breaching"),
])
def test_accepted_single_metric_specs(changes):
    AlarmSpec(**{**SINGLE, **changes})


@pytest.mark.parametrize("changes, message", [
    (dict(period_seconds=90), "period_seconds must be 10, 30 or a multiple of 60"),
    (dict(period_seconds=0), "period_seconds"),
    (dict(period_seconds=True), "period_seconds"),
    (dict(evaluation_periods=0), "evaluation_periods must be an integer >= 1"),
    (dict(evaluation_periods=2, datapoints_to_alarm=3), "datapoints_to_alarm"),
    (dict(threshold="5"), "threshold must be a finite number"),
    (dict(threshold=float("nan")), "threshold must be a finite number"),
    (dict(threshold=True), "threshold"),
    (dict(comparison_operator=">"), "comparison_operator must be one of"),
    (dict(treat_missing_data="zero"), "treat_missing_data"),
    (dict(statistic="Mean"), "statistic 'Mean'"),
    (dict(namespace=""), "needs a namespace"),
    (dict(period_seconds=3600, evaluation_periods=25), "one day"),
    (dict(expression="errors"), "either metric_name"),
    (dict(name=""), "name must be 1-255"),
])
def test_refused_single_metric_specs(changes, message):
    with pytest.raises(ValueError, match=message) as error:
        AlarmSpec(**{**SINGLE, **changes})
    assert f"alarm {changes.get('name', 't-errors')!r}" in str(error.value)


@pytest.mark.parametrize("changes, message", [
    (dict(expression=""), "either metric_name"),
    (dict(metrics=()), "needs the metrics"),
    (dict(metrics=(MetricQuery("Errors", "AWS/Lambda", "Errors", "Sum"),)), "query id 'Errors'"),
    (dict(metrics=(MetricQuery("1x", "AWS/Lambda", "Errors", "Sum"),)), "lowercase letter"),
    (dict(expression_id="errors"), "unique"),
    (dict(metrics=(ERRORS, ERRORS)), "unique"),
    (dict(metrics=(MetricQuery("e", "AWS/Lambda", "Errors", "Sum", period_seconds=45),)),
     "period_seconds"),
    (dict(metrics=(MetricQuery("e", "AWS/Lambda", "Errors", "avg"),)), "metric 'e'"),
    (dict(expression=" + ".join(f"m{i}" for i in range(11)),
          metrics=tuple(MetricQuery(f"m{i}", "AWS/Lambda", "Errors", "Sum") for i in range(11))),
     "reads 11 metrics; CloudWatch allows at most 10"),
])
def test_refused_expression_specs(changes, message):
    with pytest.raises(ValueError, match=message):
        AlarmSpec(**{**MATH, **changes})


def test_ten_metrics_are_the_most_one_alarm_reads():
    AlarmSpec(**{**MATH, "expression": " + ".join(f"m{i}" for i in range(10)),
                 "metrics": tuple(MetricQuery(f"m{i}", "AWS/Lambda", "Errors", "Sum")
                                  for i in range(10))})
