"""WebAcl alone: rule order and contents, logging with redaction, association, validation."""

from __future__ import annotations

import pytest

from modules.web_acl import MANAGED_GROUPS, WebAcl, WebAclProps
from tests.conftest import one, synth_construct


def props(**changes) -> WebAclProps:
    base = dict(name="shop-api-protection", scope="REGIONAL", rate_limit=100,
                log_group_name="aws-waf-logs-shop", kms_key_arn="arn:aws:kms:us-east-1:111122223333:key/k")
    return WebAclProps(**{**base, **changes})


@pytest.fixture(scope="module")
def stack() -> dict:
    def build(scope):
        acl = WebAcl(scope, "acl", props())
        acl.associate("stage", "arn:aws:apigateway:us-east-1::/restapis/abc/stages/prod")
        WebAcl(scope, "open", props(name="open", allowed_countries=(), log_group_name="aws-waf-logs-open",
                                    kms_key_arn=None, scope="CLOUDFRONT", managed_groups=()))
    return synth_construct(build)


def acl_named(stack: dict, name: str) -> dict:
    return next(a for a in stack["resource"]["aws_wafv2_web_acl"].values() if a["name"] == name)


def test_defaults_rate_limit_then_countries_then_every_managed_group(stack):
    acl = acl_named(stack, "shop-api-protection")
    assert acl["default_action"] == {"allow": {}}
    names = [r["name"] for r in sorted(acl["rule"], key=lambda r: r["priority"])]
    assert names == ["rate-limit-per-ip", "allow-listed-countries-only", *MANAGED_GROUPS]
    rate = acl["rule"][0]["statement"]["rate_based_statement"]
    assert rate == {"limit": 100, "evaluation_window_sec": 300, "aggregate_key_type": "IP"}
    geo = acl["rule"][1]["statement"]["not_statement"]["statement"]["geo_match_statement"]
    assert geo == {"country_codes": ["US"]}
    managed = {r["name"]: r for r in acl["rule"][2:]}
    assert all(r["override_action"] == {"none": {}} for r in managed.values())
    anonymous = managed["AWSManagedRulesAnonymousIpList"]["statement"]["managed_rule_group_statement"]
    assert anonymous["rule_action_override"] == [
        {"name": "HostingProviderIPList", "action_to_use": {"count": {}}}]
    assert "rule_action_override" not in managed["AWSManagedRulesSQLiRuleSet"]["statement"][
        "managed_rule_group_statement"]


def test_logs_go_to_an_encrypted_group_with_the_authorization_header_redacted(stack):
    groups = {g["name"]: g for g in stack["resource"]["aws_cloudwatch_log_group"].values()}
    assert groups["aws-waf-logs-shop"]["kms_key_id"].startswith("arn:aws:kms:")
    assert groups["aws-waf-logs-shop"]["retention_in_days"] == 365
    assert "kms_key_id" not in groups["aws-waf-logs-open"]
    configs = stack["resource"]["aws_wafv2_web_acl_logging_configuration"].values()
    assert all(c["redacted_fields"] == [{"single_header": {"name": "authorization"}}] for c in configs)


def test_the_association_names_the_stage(stack):
    association = one(stack, "aws_wafv2_web_acl_association")
    assert association["resource_arn"].endswith("/stages/prod")


def test_no_countries_means_no_country_rule(stack):
    acl = acl_named(stack, "open")
    assert [r["name"] for r in acl["rule"]] == ["rate-limit-per-ip"]
    assert acl["scope"] == "CLOUDFRONT"


@pytest.mark.parametrize(("change", "message"), [
    ({"scope": "GLOBAL"}, "scope"),
    ({"rate_limit": 5}, "rate limit"),
    ({"rate_window_seconds": 30}, "rate limit"),
    ({"log_group_name": "waf-logs"}, "aws-waf-logs-"),
    ({"managed_groups": ("AWSManagedRulesMadeUp",)}, "unknown managed"),
    ({"allowed_countries": ("usa",)}, "ISO 3166"),
    ({"log_retention_days": 10}, "retention"),
])
def test_bad_props_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        props(**change)


def test_a_cloudfront_acl_is_not_associated():
    def build(scope):
        WebAcl(scope, "cdn", props(scope="CLOUDFRONT")).associate("x", "arn")
    with pytest.raises(ValueError, match="web_acl_id"):
        synth_construct(build)
