"""modules/dashboard.py: the grid layout and widget JSON of `dashboard_body`, its validation,
and the construct serializing it with Terraform references kept."""

from __future__ import annotations

import json

import pytest

from modules.dashboard import Dashboard, DashboardProps, MetricWidget, TextWidget, dashboard_body
from tests.conftest import one, synth_construct

ERRORS = ("AWS/Lambda", "Errors", {"FunctionName": "t-chat"}, "Sum")
API = ("AWS/ApiGateway", "5XXError", {"Stage": "dev", "ApiName": "t-chat"}, "Sum")


def props(*widgets, region="eu-west-1") -> DashboardProps:
    return DashboardProps(dashboard_name="t-chat", widgets=widgets, region=region)


def test_layout_two_per_row_in_order():
    body = dashboard_body(props(TextWidget("# Chat"), MetricWidget("Errors", (ERRORS,)),
                                MetricWidget("5xx", (API,), view="singleValue")))
    assert [(w["type"], w["x"], w["y"], w["width"], w["height"]) for w in body["widgets"]] == [
        ("text", 0, 0, 12, 6), ("metric", 12, 0, 12, 6), ("metric", 0, 6, 12, 6)]
    assert body["widgets"][0]["properties"] == {"markdown": "# Chat"}


def test_metric_widget_defaults_and_metric_rows():
    (widget,) = dashboard_body(props(MetricWidget("Errors", (ERRORS, API))))["widgets"]
    assert widget["properties"] == {
        "title": "Errors", "view": "timeSeries", "region": "eu-west-1", "period": 300,
        "stacked": False, "metrics": [
            ["AWS/Lambda", "Errors", "FunctionName", "t-chat", {"stat": "Sum"}],
            # Dimensions in name order, whatever order they were given in.
            ["AWS/ApiGateway", "5XXError", "ApiName", "t-chat", "Stage", "dev", {"stat": "Sum"}]]}


def test_widget_region_and_period_override_the_dashboard():
    (widget,) = dashboard_body(props(MetricWidget("E", (ERRORS,), period=60,
                                                  region="us-east-1")))["widgets"]
    assert (widget["properties"]["region"], widget["properties"]["period"]) == ("us-east-1", 60)


def test_construct_serializes_the_body_and_keeps_references():
    captured = {}

    def add(stack):
        other = Dashboard(stack, "first", props(TextWidget("x")))
        dashboard = Dashboard(stack, "board", DashboardProps(
            dashboard_name="t-ops", region="eu-west-1",
            widgets=(MetricWidget("E", (("AWS/Lambda", "Errors",
                                         {"FunctionName": other.dashboard_name}, "p99"),)),)))
        captured["name"] = dashboard.dashboard_name
    stack = synth_construct(add)
    boards = {b["dashboard_name"]: b
              for b in stack["resource"]["aws_cloudwatch_dashboard"].values()}
    body = json.loads(boards["t-ops"]["dashboard_body"])
    (row,) = body["widgets"][0]["properties"]["metrics"]
    assert row[3].startswith("${aws_cloudwatch_dashboard.") and row[3].endswith(".dashboard_name}")
    assert row[4] == {"stat": "p99"}
    assert captured["name"]


def test_construct_alone():
    stack = synth_construct(lambda s: Dashboard(s, "d", props(TextWidget("hi"))))
    board = one(stack, "aws_cloudwatch_dashboard")
    assert json.loads(board["dashboard_body"]) == dashboard_body(props(TextWidget("hi")))


@pytest.mark.parametrize("build, message", [
    (lambda: MetricWidget("E", (ERRORS,), view="line"), "view must be one of"),
    (lambda: MetricWidget("E", (ERRORS,), period=90), "period must be"),
    (lambda: MetricWidget("E", ()), "at least one metric"),
    (lambda: MetricWidget("E", (("AWS/Lambda", "Errors", "Sum"),)), "each metric is"),
    (lambda: MetricWidget("E", (("AWS/Lambda", "Errors", {}, "mean"),)), "statistic 'mean'"),
    (lambda: props(), "1-500 widgets"),
    (lambda: DashboardProps("t chat", (TextWidget("x"),), "eu-west-1"), "dashboard name"),
])
def test_refused_widgets_and_props(build, message):
    with pytest.raises(ValueError, match=message):
        build()
