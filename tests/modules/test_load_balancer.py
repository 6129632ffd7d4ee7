"""modules/load_balancer.py: HTTPS with a redirect from HTTP, IP target groups with their
health checks, host/path rules, access logs; bad rules are refused."""

from __future__ import annotations

import pytest

from modules.load_balancer import TLS_POLICY, LoadBalancer, LoadBalancerProps, Rule, TargetGroup
from tests.conftest import one, resources, synth_construct

TARGETS = (TargetGroup("api", "t-api", 8000, "/api/health"),
           TargetGroup("ui", "t-ui", 8501, "/healthz"))
RULES = (Rule(10, "a.example.com", "/api/*", "api"), Rule(20, "b.example.com", "/*", "ui"))


def props(**changes) -> LoadBalancerProps:
    base = dict(name="t-alb", subnet_ids=("s1", "s2"), security_group_ids=("sg",),
                vpc_id="vpc", certificate_arn="arn:cert", access_log_bucket="logs",
                access_log_prefix="alb-logs/", targets=TARGETS, rules=RULES)
    return LoadBalancerProps(**{**base, **changes})


@pytest.fixture(scope="module")
def stack():
    return synth_construct(lambda s: LoadBalancer(s, "lb", props()))


def test_load_balancer_and_listeners(stack):
    alb = one(stack, "aws_lb")
    assert alb["drop_invalid_header_fields"] is True and alb["enable_deletion_protection"]
    assert alb["access_logs"] == {"bucket": "logs", "prefix": "alb-logs", "enabled": True}
    listeners = {l["port"]: l for l in resources(stack, "aws_lb_listener").values()}
    assert listeners[80]["default_action"][0]["redirect"]["status_code"] == "HTTP_301"
    assert listeners[443]["ssl_policy"] == TLS_POLICY
    assert listeners[443]["default_action"][0]["fixed_response"]["status_code"] == "404"


def test_target_groups_and_rules(stack):
    groups = {g["name"]: g for g in resources(stack, "aws_lb_target_group").values()}
    assert groups["t-api"]["health_check"]["path"] == "/api/health"
    assert groups["t-ui"]["port"] == 8501 and groups["t-ui"]["target_type"] == "ip"
    rules = {r["priority"]: r for r in resources(stack, "aws_lb_listener_rule").values()}
    assert [c.get("path_pattern") for c in rules[10]["condition"]][1] == {"values": ["/api/*"]}
    assert len(rules[20]["condition"]) == 1  # "/*": the host alone


@pytest.mark.parametrize("change,message", [
    (dict(rules=(Rule(10, "a", "/*", "nope"),)), "unknown target"),
    (dict(rules=(Rule(10, "a", "/*", "api"), Rule(10, "b", "/*", "ui"))), "priorities"),
    (dict(targets=(TARGETS[0], TARGETS[0])), "unique"),
])
def test_bad_props(change, message):
    with pytest.raises(ValueError, match=message):
        props(**change)


def test_target_group_bounds():
    with pytest.raises(ValueError, match="32"):
        TargetGroup("k", "x" * 33, 80, "/")
    with pytest.raises(ValueError, match="below the interval"):
        TargetGroup("k", "k", 80, "/", interval_seconds=5, timeout_seconds=5)
