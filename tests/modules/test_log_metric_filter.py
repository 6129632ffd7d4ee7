"""modules/log_metric_filter.py alone: one filter per row on one log group, all in one namespace,
default values that keep alarm series continuous, and refused specs."""

from __future__ import annotations

import pytest

from modules.log_metric_filter import LogMetricFilters, LogMetricFiltersProps, MetricFilterSpec
from tests.conftest import resources, synth_construct

ERRORS = MetricFilterSpec(name="processing-errors", pattern='{ $.level = "ERROR" }',
                          metric_name="ProcessingErrors")
AMOUNTS = MetricFilterSpec(name="Blocked Amount", pattern='{ $.decision = "decline" }',
                           metric_name="BlockedAmount", value="$.amount", default_value=None,
                           unit="None")


@pytest.fixture(scope="module")
def filters():
    captured = {}

    def add(stack):
        made = LogMetricFilters(stack, "filters", LogMetricFiltersProps(
            log_group_name="/aws/lambda/pf-dev-processor", namespace="PF", filters=(ERRORS, AMOUNTS)))
        captured.update(made.filters)
    stack = synth_construct(add)
    return {f["name"]: f for f in resources(stack, "aws_cloudwatch_log_metric_filter").values()}, \
        captured, stack


def test_one_filter_per_row_on_the_log_group_in_the_namespace(filters):
    by_name, captured, stack = filters
    assert sorted(by_name) == ["Blocked Amount", "processing-errors"] == sorted(captured)
    assert len(resources(stack, "aws_cloudwatch_log_metric_filter")) == 2
    for found in by_name.values():
        assert found["log_group_name"] == "/aws/lambda/pf-dev-processor"
        assert found["metric_transformation"]["namespace"] == "PF"
    errors = by_name["processing-errors"]
    assert errors["pattern"] == '{ $.level = "ERROR" }'
    assert errors["metric_transformation"] == {"name": "ProcessingErrors", "namespace": "PF",
                                               "value": "1", "default_value": "0", "unit": "Count"}


def test_a_summed_field_without_default_value(filters):
    by_name, _, stack = filters
    transformation = by_name["Blocked Amount"]["metric_transformation"]
    assert transformation["value"] == "$.amount" and transformation["unit"] == "None"
    assert "default_value" not in transformation
    # Construct ids come from the names: lowercase, non-alphanumerics as '_'.
    assert any(k.startswith("filters_blocked_amount")
               for k in resources(stack, "aws_cloudwatch_log_metric_filter"))


@pytest.mark.parametrize("make, message", [
    (lambda: MetricFilterSpec(name="x", pattern="ERROR", metric_name="has space"), "metric name"),
    (lambda: MetricFilterSpec(name="x", pattern="  ", metric_name="M"), "the pattern is empty"),
    (lambda: LogMetricFiltersProps(log_group_name="g", namespace="N", filters=()), "unique names"),
    (lambda: LogMetricFiltersProps(log_group_name="g", namespace="N", filters=(ERRORS, ERRORS)),
     "unique names"),
])
def test_refused_specs(make, message):
    with pytest.raises(ValueError, match=message):
        make()
