"""CloudFront in front of the allocation system (dev sets `cdn.domain_name`): custom domain with
a DNS-validated us-east-1 certificate, HTTPS only, WAF, private S3 origin for the frontend, the
API under `/<stage>/*`, error pages, access logs, alias records; left out without a domain."""

from __future__ import annotations

import pytest

from modules.cdn_policies import ALL_VIEWER_EXCEPT_HOST, CACHING_OPTIMIZED
from tests.conftest import one, resources
from tests.systems.allocation.conftest import synth_allocation

DOMAIN = "allocation-dev.example.com"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


def statement(stack: dict, sid: str) -> dict:
    (found,) = [s for doc in stack["data"]["aws_iam_policy_document"].values()
                for s in doc.get("statement", []) if s.get("sid") == sid]
    return found


def test_distribution_on_the_custom_domain_https_only(allocation_dev):
    cdn = one(allocation_dev, "aws_cloudfront_distribution")
    assert cdn["aliases"] == [DOMAIN] and cdn["comment"] == "pf-allocation-cdn-dev"
    certificate = one(allocation_dev, "aws_acm_certificate")
    assert (certificate["domain_name"], certificate["validation_method"]) == (DOMAIN, "DNS")
    viewer = cdn["viewer_certificate"]
    assert viewer["acm_certificate_arn"].startswith("${aws_acm_certificate_validation.")
    assert (viewer["ssl_support_method"], viewer["minimum_protocol_version"]) == (
        "sni-only", "TLSv1.2_2021")
    behaviors = [cdn["default_cache_behavior"], *cdn["ordered_cache_behavior"]]
    assert {b["viewer_protocol_policy"] for b in behaviors} == {"redirect-to-https"}
    assert cdn["restrictions"]["geo_restriction"] == {"restriction_type": "whitelist",
                                                      "locations": ["US"]}
    assert cdn["logging_config"]["bucket"].startswith("${aws_s3_bucket.cdn_logs_bucket")
    acls = {a["name"]: a for a in resources(allocation_dev, "aws_wafv2_web_acl").values()}
    assert acls["pf-allocation-cdn-waf-dev"]["scope"] == "CLOUDFRONT"
    assert cdn["web_acl_id"].startswith("${aws_wafv2_web_acl.cdn_protection")
    pages = {(p["error_code"], p["response_page_path"]) for p in cdn["custom_error_response"]}
    assert {(403, "/errors/404.html"), (404, "/errors/404.html"),
            (503, "/errors/5xx.html")} <= pages


def test_frontend_is_private_and_the_api_is_an_uncached_path(allocation_dev):
    cdn = one(allocation_dev, "aws_cloudfront_distribution")
    s3, api = cdn["origin"]
    assert s3["domain_name"] == "pf-allocation-frontend-dev-618048437522.s3.us-east-1.amazonaws.com"
    assert s3["origin_access_control_id"] and s3["origin_shield"]["enabled"]
    default = cdn["default_cache_behavior"]
    assert (default["target_origin_id"], default["cache_policy_id"]) == ("s3", CACHING_OPTIMIZED)
    assert default["allowed_methods"] == ["GET", "HEAD"]
    (path,) = cdn["ordered_cache_behavior"]
    assert path["path_pattern"] == "/${aws_api_gateway_stage.api_stage_9CA2AE48.stage_name}/*"
    assert api["domain_name"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert api["custom_origin_config"]["origin_protocol_policy"] == "https-only"
    assert (path["cache_policy_id"], path["origin_request_policy_id"]) == (
        CACHING_DISABLED, ALL_VIEWER_EXCEPT_HOST)
    assert "POST" in path["allowed_methods"]
    # Only this distribution reads the assets, and it may decrypt them.
    reads = statement(allocation_dev, "OnlyTheDistributionReads")
    assert reads["condition"] == [{"test": "StringEquals", "variable": "aws:SourceArn",
                                   "values": ["${aws_cloudfront_distribution.cdn_distribution_3BC736C6.arn}"]}]
    assert statement(allocation_dev, "CloudFrontReadsFrontendAssets")["actions"] == ["kms:Decrypt"]
    buckets = {b["bucket"] for b in resources(allocation_dev, "aws_s3_bucket").values()}
    assert {"pf-allocation-frontend-dev-618048437522",
            "pf-allocation-cdn-logs-dev-618048437522"} <= buckets


def test_zone_records_and_outputs(allocation_dev):
    zone = one(allocation_dev, "aws_route53_zone")
    assert zone["name"] == DOMAIN
    records = [r for r in resources(allocation_dev, "aws_route53_record").values()
               if r["name"] == DOMAIN]
    assert sorted(r["type"] for r in records) == ["A", "AAAA"]
    assert all(r["alias"]["name"].endswith("domain_name}") for r in records)
    assert {"cdn_url", "cdn_distribution_id", "cdn_name_servers", "frontend_bucket"} <= set(
        allocation_dev["output"])
    assert allocation_dev["output"]["cdn_url"]["value"] == f"https://{DOMAIN}"


@pytest.fixture(scope="module")
def outside_us_east_1(tmp_path_factory) -> dict:
    return synth_allocation(tmp_path_factory.mktemp("allocation-west"), overrides={
        "region": "us-west-2",
        "systems": {"allocation": {"cdn": {"hosted_zone_id": "Z0123456789ABCDEFGHIJ"}}}})


def test_an_existing_zone_and_a_stack_outside_us_east_1(outside_us_east_1):
    stack = outside_us_east_1
    assert not resources(stack, "aws_route53_zone")
    assert "cdn_name_servers" not in stack["output"]
    assert one(stack, "aws_acm_certificate")["provider"] == "aws.us_east_1"
    acls = {a["name"]: a for a in resources(stack, "aws_wafv2_web_acl").values()}
    assert acls["pf-allocation-cdn-waf-dev"]["provider"] == "aws.us_east_1"
    assert "provider" not in acls["pf-allocation-api-waf-dev"]
    records = [r for r in resources(stack, "aws_route53_record").values() if r["name"] == DOMAIN]
    assert {r["zone_id"] for r in records} == {"Z0123456789ABCDEFGHIJ"}
    origin = one(stack, "aws_cloudfront_distribution")["origin"][0]
    assert origin["origin_shield"]["origin_shield_region"] == "us-west-2"


def test_no_domain_no_cloudfront(allocation_prod):
    for kind in ("aws_cloudfront_distribution", "aws_acm_certificate", "aws_route53_zone"):
        assert not resources(allocation_prod, kind), kind
    assert "cdn_url" not in allocation_prod["output"]
