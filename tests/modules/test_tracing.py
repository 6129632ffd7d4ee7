"""modules/tracing.py alone: an X-Ray sampling rule with its defaults and validated limits."""

from __future__ import annotations

import pytest

from modules.tracing import SamplingRule, SamplingRuleProps
from tests.conftest import one, synth_construct

BASE = dict(rule_name="t-chat", priority=100, fixed_rate=0.05, reservoir_size=1,
            service_name="t-chat")


def test_defaults():
    captured = {}

    def add(stack):
        captured["rule"] = SamplingRule(stack, "sampling", SamplingRuleProps(**BASE))
    stack = synth_construct(add)
    rule = one(stack, "aws_xray_sampling_rule")
    assert {k: v for k, v in rule.items() if k != "//"} == {
        "rule_name": "t-chat", "priority": 100, "fixed_rate": 0.05, "reservoir_size": 1,
        "service_name": "t-chat", "service_type": "*", "url_path": "*", "http_method": "*",
        "host": "*", "resource_arn": "*", "version": 1}
    assert captured["rule"].rule_arn and captured["rule"].rule_name


def test_matching_fields_and_attributes():
    stack = synth_construct(lambda s: SamplingRule(s, "sampling", SamplingRuleProps(
        **BASE, url_path="/chat", http_method="POST", service_type="AWS::Lambda::Function",
        attributes={"tier": "gold"})))
    rule = one(stack, "aws_xray_sampling_rule")
    assert (rule["url_path"], rule["http_method"], rule["service_type"]) == (
        "/chat", "POST", "AWS::Lambda::Function")
    assert rule["attributes"] == {"tier": "gold"}


@pytest.mark.parametrize("changes", [dict(fixed_rate=0), dict(fixed_rate=1),
                                     dict(rule_name="a" * 32), dict(priority=9999),
                                     dict(reservoir_size=0)])
def test_accepted_limits(changes):
    SamplingRuleProps(**{**BASE, **changes})


@pytest.mark.parametrize("changes, message", [
    (dict(rule_name="a" * 33), "rule_name must be 1-32"),
    (dict(rule_name="t chat"), "rule_name"),
    (dict(rule_name="Default"), "not 'Default'"),
    (dict(fixed_rate=1.5), "fixed_rate must be a number from 0 to 1"),
    (dict(fixed_rate=-0.1), "fixed_rate"),
    (dict(fixed_rate="0.1"), "fixed_rate"),
    (dict(priority=0), "priority must be an integer from 1 to 9999"),
    (dict(priority=10000), "priority"),
    (dict(reservoir_size=-1), "reservoir_size"),
])
def test_refused_values(changes, message):
    with pytest.raises(ValueError, match=message):
        SamplingRuleProps(**{**BASE, **changes})
