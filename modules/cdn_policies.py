"""CloudFront policies a distribution refers to by id: security response headers, a cache
policy, and the origin access control of a private S3 origin."""

from __future__ import annotations

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement

#: AWS managed origin request policy "AllViewerExceptHostHeader": API Gateway answers only to
#: its own Host, so every viewer header except Host goes to the origin.
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
#: AWS managed origin request policy "AllViewer": every viewer header, Host included (a load
#: balancer's host rules and its certificate for the site's name then apply).
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
#: AWS managed origin request policy "CORS-S3Origin": the CORS request headers reach S3.
CORS_S3_ORIGIN = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
#: Managed cache policy "CachingOptimized" (static assets: no headers, cookies or queries).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
DEFAULT_CSP = ("default-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
               "object-src 'none'")


def security_headers_policy(scope: Construct, construct_id: str, name: str,
                            content_security_policy: str = DEFAULT_CSP):
    """HSTS (2 years, subdomains, preload), nosniff, DENY framing, strict referrer, XSS
    protection and a content security policy, overriding whatever the origin sent."""
    m = provider_module("cloudfront_response_headers_policy")
    config = "CloudfrontResponseHeadersPolicySecurityHeadersConfig"

    def part(name: str):
        return getattr(m, config + name)

    return m.CloudfrontResponseHeadersPolicy(
        scope, construct_id, name=name, comment=f"Security headers ({name})",
        security_headers_config=part("")(
            strict_transport_security=part("StrictTransportSecurity")(
                access_control_max_age_sec=63072000, include_subdomains=True, preload=True,
                override=True),
            content_type_options=part("ContentTypeOptions")(override=True),
            frame_options=part("FrameOptions")(frame_option="DENY", override=True),
            referrer_policy=part("ReferrerPolicy")(
                referrer_policy="strict-origin-when-cross-origin", override=True),
            xss_protection=part("XssProtection")(protection=True, mode_block=True, override=True),
            content_security_policy=part("ContentSecurityPolicy")(
                content_security_policy=content_security_policy, override=True)))


def cache_policy(scope: Construct, construct_id: str, name: str, *, default_ttl: int,
                 max_ttl: int, headers: tuple[str, ...] = (), all_query_strings: bool = False):
    """A cache key of the given headers (and every query string): callers with different
    credentials never share a cached answer. Headers in the key also reach the origin."""
    m = provider_module("cloudfront_cache_policy")
    prefix = "CloudfrontCachePolicyParametersInCacheKeyAndForwardedToOrigin"

    def part(name: str):
        return getattr(m, prefix + name)

    return m.CloudfrontCachePolicy(
        scope, construct_id, name=name, comment=f"Cache key and TTLs ({name})",
        min_ttl=0, default_ttl=default_ttl, max_ttl=max_ttl,
        parameters_in_cache_key_and_forwarded_to_origin=part("")(
            enable_accept_encoding_gzip=True, enable_accept_encoding_brotli=True,
            cookies_config=part("CookiesConfig")(cookie_behavior="none"),
            headers_config=part("HeadersConfig")(
                header_behavior="whitelist" if headers else "none",
                headers=part("HeadersConfigHeaders")(items=list(headers)) if headers else None),
            query_strings_config=part("QueryStringsConfig")(
                query_string_behavior="all" if all_query_strings else "none")))


def s3_origin_access_control(scope: Construct, construct_id: str, name: str):
    """CloudFront signs every request to the S3 origin (SigV4); the bucket policy admits only
    requests signed for one distribution (aws:SourceArn)."""
    return provider_module("cloudfront_origin_access_control").CloudfrontOriginAccessControl(
        scope, construct_id, name=name, description=f"Signed S3 origin requests ({name})",
        origin_access_control_origin_type="s3", signing_behavior="always",
        signing_protocol="sigv4")


def cdn_key_statements(account_id: str) -> tuple[Statement, Statement]:
    """Key policy statements for a key that encrypts a private S3 origin and CloudFront's access
    logs: this account's distributions decrypt assets (SSE-KMS objects through an origin access
    control), and the log delivery service encrypts the log files it writes."""
    return (
        Statement(sid="CloudFrontReadsFrontendAssets", actions=("kms:Decrypt",),
                  resources=("*",), principals=(("Service", ("cloudfront.amazonaws.com",)),),
                  conditions=(("StringEquals", "aws:SourceAccount", (account_id,)),
                              ("ArnLike", "aws:SourceArn",
                               (f"arn:aws:cloudfront::{account_id}:distribution/*",)))),
        Statement(sid="LogDeliveryWritesCdnLogs", actions=("kms:GenerateDataKey*",),
                  resources=("*",), principals=(("Service", ("delivery.logs.amazonaws.com",)),),
                  conditions=(("StringEquals", "aws:SourceAccount", (account_id,)),)))
