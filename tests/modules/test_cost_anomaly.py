"""modules/cost_anomaly.py: a tag-scoped Cost Anomaly Detection monitor and an immediate SNS
subscription above a dollar threshold."""

from __future__ import annotations

import json

import pytest

from modules.cost_anomaly import CostAnomaly, CostAnomalyProps, monitor_specification
from tests.conftest import one, synth_construct

PROPS = dict(monitor_name="pf-app-anomalies-dev", subscription_name="pf-app-alerts-dev",
             tags={"Project": "app", "Environment": "dev"}, topic_arn="arn:aws:sns:us-east-1:1:t",
             threshold_usd=100)


def test_custom_monitor_scoped_by_tags_and_immediate_sns_subscription():
    stack = synth_construct(lambda s: CostAnomaly(s, "c", CostAnomalyProps(**PROPS)))
    monitor = one(stack, "aws_ce_anomaly_monitor")
    assert monitor["monitor_type"] == "CUSTOM" and "monitor_dimension" not in monitor
    spec = json.loads(monitor["monitor_specification"])
    assert spec == {"And": [
        {"Tags": {"Key": "Environment", "Values": ["dev"], "MatchOptions": ["EQUALS"]}},
        {"Tags": {"Key": "Project", "Values": ["app"], "MatchOptions": ["EQUALS"]}}]}
    subscription = one(stack, "aws_ce_anomaly_subscription")
    assert subscription["frequency"] == "IMMEDIATE"
    assert subscription["subscriber"] == [{"type": "SNS", "address": PROPS["topic_arn"]}]
    assert subscription["monitor_arn_list"] == ["${aws_ce_anomaly_monitor.c_monitor_EA7B8B1E.arn}"] or \
        subscription["monitor_arn_list"][0].startswith("${aws_ce_anomaly_monitor.")
    dimension = subscription["threshold_expression"]["dimension"]
    assert dimension == {"key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                         "match_options": ["GREATER_THAN_OR_EQUAL"], "values": ["100"]}


def test_one_tag_needs_no_and():
    assert json.loads(monitor_specification({"Project": "x"})) == {
        "Tags": {"Key": "Project", "Values": ["x"], "MatchOptions": ["EQUALS"]}}


@pytest.mark.parametrize("change, message", [
    ({"tags": {}}, "at least one tag"), ({"threshold_usd": 0}, "threshold_usd"),
    ({"monitor_name": "bad|name"}, "cost anomaly name")])
def test_bad_props(change, message):
    with pytest.raises(ValueError, match=message):
        CostAnomalyProps(**{**PROPS, **change})


def test_key_policy_is_for_this_account_only():
    (statement,) = CostAnomaly.key_policy_statements("111122223333")
    assert statement.principals == (("Service", ("costalerts.amazonaws.com",)),)
    assert statement.conditions == (("StringEquals", "aws:SourceAccount", ("111122223333",)),)
