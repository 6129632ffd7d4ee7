"""Distribution, its policies and the CloudFront log bucket alone."""

from __future__ import annotations

import pytest

from modules.cdn import (Delivery, Distribution, DistributionProps, ErrorPage, HttpsOrigin,
                         PathBehavior, S3Origin)
from modules.cdn_log_bucket import CdnLogBucket, CdnLogBucketProps
from modules.cdn_policies import cache_policy, s3_origin_access_control, security_headers_policy
from tests.conftest import one, synth_construct

DELIVERY = Delivery(aliases=("app.example.com",), certificate_arn="arn:aws:acm:us-east-1:1:certificate/c",
                    web_acl_arn="arn:aws:wafv2:us-east-1:1:global/webacl/w/1",
                    log_bucket_domain_name="logs.s3.amazonaws.com", log_prefix="app/")


@pytest.fixture(scope="module")
def stack() -> dict:
    def build(scope):
        headers = security_headers_policy(scope, "headers", "headers")
        oac = s3_origin_access_control(scope, "oac", "oac")
        cache = cache_policy(scope, "cache", "api-cache", default_ttl=0, max_ttl=300,
                             headers=("Authorization",), all_query_strings=True)
        Distribution(scope, "site", DistributionProps(
            comment="site-cdn", origin=S3Origin("site.s3.us-east-1.amazonaws.com", oac.id),
            delivery=DELIVERY, origin_shield_region="us-east-1",
            response_headers_policy_id=headers.id, cache_policy_id="managed",
            default_root_object="index.html", error_pages=(ErrorPage(404, 404, "/404.html"),)))
        Distribution(scope, "api", DistributionProps(
            comment="api-cdn", origin=HttpsOrigin("abc.execute-api.us-east-1.amazonaws.com", "/prod"),
            delivery=DELIVERY, origin_shield_region="us-east-1",
            response_headers_policy_id=headers.id, cache_policy_id=cache.id, read_only=False))
        CdnLogBucket(scope, "logs", CdnLogBucketProps(
            bucket_name="logs", kms_key_arn="arn:aws:kms:us-east-1:1:key/k", retention_days=90))
    return synth_construct(build)


def distribution(stack: dict, comment: str) -> dict:
    return next(d for d in stack["resource"]["aws_cloudfront_distribution"].values()
                if d["comment"] == comment)


def test_https_only_tls12_waf_geo_logs_and_shield(stack):
    for comment in ("site-cdn", "api-cdn"):
        d = distribution(stack, comment)
        assert d["default_cache_behavior"]["viewer_protocol_policy"] == "redirect-to-https"
        assert d["viewer_certificate"]["minimum_protocol_version"] == "TLSv1.2_2021"
        assert d["web_acl_id"].startswith("arn:aws:wafv2:")
        assert d["restrictions"]["geo_restriction"] == {"restriction_type": "whitelist",
                                                        "locations": ["US"]}
        assert d["logging_config"]["bucket"] == "logs.s3.amazonaws.com"
        assert d["origin"][0]["origin_shield"] == {"enabled": True, "origin_shield_region": "us-east-1"}
        assert d["tags"] == {"Name": comment}


def test_origins_and_methods(stack):
    site, api = distribution(stack, "site-cdn"), distribution(stack, "api-cdn")
    assert "origin_access_control_id" in site["origin"][0] and "custom_origin_config" not in site["origin"][0]
    assert site["default_cache_behavior"]["allowed_methods"] == ["GET", "HEAD"]
    assert site["custom_error_response"] == [{"error_code": 404, "response_code": 404,
                                              "response_page_path": "/404.html",
                                              "error_caching_min_ttl": 10}]
    origin = api["origin"][0]
    assert origin["custom_origin_config"]["origin_protocol_policy"] == "https-only"
    assert origin["custom_origin_config"]["origin_ssl_protocols"] == ["TLSv1.2"]
    assert origin["origin_path"] == "/prod"
    assert "POST" in api["default_cache_behavior"]["allowed_methods"]
    assert api["default_cache_behavior"]["cached_methods"] == ["GET", "HEAD"]


def test_policies(stack):
    headers = one(stack, "aws_cloudfront_response_headers_policy")["security_headers_config"]
    assert headers["strict_transport_security"]["access_control_max_age_sec"] == 63072000
    assert headers["frame_options"]["frame_option"] == "DENY"
    cache = one(stack, "aws_cloudfront_cache_policy")
    key = cache["parameters_in_cache_key_and_forwarded_to_origin"]
    assert key["headers_config"]["headers"]["items"] == ["Authorization"]
    oac = one(stack, "aws_cloudfront_origin_access_control")
    assert (oac["origin_access_control_origin_type"], oac["signing_behavior"]) == ("s3", "always")


def test_the_log_bucket_keeps_acls_for_log_delivery_but_nothing_public(stack):
    assert one(stack, "aws_s3_bucket_ownership_controls")["rule"] == {
        "object_ownership": "BucketOwnerPreferred"}
    block = one(stack, "aws_s3_bucket_public_access_block")
    assert all(block[k] for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                  "restrict_public_buckets"))
    encryption = one(stack, "aws_s3_bucket_server_side_encryption_configuration")
    assert encryption["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    rule = one(stack, "aws_s3_bucket_lifecycle_configuration")["rule"][0]
    assert rule["expiration"] == [{"days": 90}]


def test_origin_shield_runs_in_the_origins_region_or_the_recommended_one():
    from modules.cdn import origin_shield_region

    assert origin_shield_region("us-east-1") == "us-east-1"
    assert origin_shield_region("us-west-1") == "us-west-2"  # no Origin Shield in N. California
    with pytest.raises(ValueError, match="Origin Shield"):
        origin_shield_region("il-central-1")


@pytest.fixture(scope="module")
def v2_stack() -> dict:
    """A site on a prefix of a shared bucket, logging v2 to a bucket without ACLs."""
    def build(scope):
        delivery = Delivery(aliases=("app.example.com",), certificate_arn="arn:aws:acm:c",
                            web_acl_arn="arn:aws:wafv2:w", log_bucket_domain_name="",
                            log_prefix="cdn/app/", log_bucket_arn="arn:aws:s3:::logs")
        Distribution(scope, "site", DistributionProps(
            comment="app-cdn", origin=S3Origin("b.s3.us-east-1.amazonaws.com", "oac",
                                               origin_path="/app"),
            delivery=delivery, origin_shield_region="us-east-1",
            response_headers_policy_id="h", cache_policy_id="c",
            path_behaviors=(PathBehavior("/api/*", HttpsOrigin("alb.example.com"),
                                         origin_request_policy_id="all-viewer"),)))
    return synth_construct(build)


def test_prefix_origin_and_logging_v2(v2_stack, stack):
    d = one(v2_stack, "aws_cloudfront_distribution")
    assert d["origin"][0]["origin_path"] == "/app" and "logging_config" not in d
    assert one(v2_stack, "aws_cloudwatch_log_delivery_source")["log_type"] == "ACCESS_LOGS"
    destination = one(v2_stack, "aws_cloudwatch_log_delivery_destination")
    assert destination["delivery_destination_configuration"] == [
        {"destination_resource_arn": "arn:aws:s3:::logs"}]
    config = one(v2_stack, "aws_cloudwatch_log_delivery")["s3_delivery_configuration"][0]
    assert config["suffix_path"] == "cdn/app/{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"
    # Legacy logging stays the default: no v2 resources without log_bucket_arn.
    (api,) = d["ordered_cache_behavior"]
    assert (api["path_pattern"], api["target_origin_id"], api["origin_request_policy_id"]) == (
        "/api/*", "path0", "all-viewer")
    assert api["response_headers_policy_id"] == "h"
    assert d["origin"][1]["domain_name"] == "alb.example.com"
    assert d["origin"][1]["custom_origin_config"]["origin_protocol_policy"] == "https-only"
    assert "aws_cloudwatch_log_delivery" not in stack["resource"]
    assert all("ordered_cache_behavior" not in d
               for d in stack["resource"]["aws_cloudfront_distribution"].values())
    assert all("origin_path" not in d["origin"][0] for d in
               stack["resource"]["aws_cloudfront_distribution"].values()
               if d["comment"] == "site-cdn")


def test_exactly_one_log_target():
    with pytest.raises(ValueError, match="exactly one"):
        Delivery(aliases=(), certificate_arn="c", web_acl_arn="w", log_bucket_domain_name="",
                 log_prefix="p")
    with pytest.raises(ValueError, match="exactly one"):
        Delivery(aliases=(), certificate_arn="c", web_acl_arn="w",
                 log_bucket_domain_name="logs.s3.amazonaws.com", log_prefix="p",
                 log_bucket_arn="arn:aws:s3:::logs")
