"""A CloudFront distribution: HTTPS only (redirect, TLSv1.2_2021, an ACM certificate for its
own host names), a WAF web ACL, Origin Shield, a country allow-list, security response headers,
custom error pages and standard access logs.

The origin is a private S3 bucket through an origin access control (`S3Origin`) or an HTTPS
API (`HttpsOrigin`, TLS 1.2 to the origin). `read_only` distributions answer GET and HEAD; the
others pass every method through and cache only GET and HEAD.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.suppressions import suppress


#: Regions that run Origin Shield, and AWS's recommendation for origins elsewhere.
ORIGIN_SHIELD_REGIONS = ("us-east-1", "us-east-2", "us-west-2", "ap-south-1", "ap-northeast-1",
                         "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "eu-central-1",
                         "eu-west-1", "eu-west-2", "sa-east-1")
_NEAREST_SHIELD = {"us-west-1": "us-west-2", "ca-central-1": "us-east-1",
                   "eu-west-3": "eu-west-2", "eu-north-1": "eu-west-2",
                   "eu-south-1": "eu-central-1", "ap-northeast-3": "ap-northeast-1",
                   "ap-east-1": "ap-southeast-1", "me-south-1": "ap-south-1"}


def origin_shield_region(origin_region: str) -> str:
    """The Origin Shield region for an origin in `origin_region` (the same region when it has
    Origin Shield, else the one AWS recommends)."""
    if origin_region in ORIGIN_SHIELD_REGIONS:
        return origin_region
    if origin_region in _NEAREST_SHIELD:
        return _NEAREST_SHIELD[origin_region]
    raise ValueError(f"no Origin Shield region is known for {origin_region}; pass one of "
                     + ", ".join(ORIGIN_SHIELD_REGIONS))


@dataclass(frozen=True)
class S3Origin:
    bucket_regional_domain_name: str
    origin_access_control_id: str


@dataclass(frozen=True)
class HttpsOrigin:
    domain_name: str
    #: e.g. "/prod" for an API Gateway stage.
    origin_path: str = ""


@dataclass(frozen=True)
class ErrorPage:
    error_code: int
    #: None: keep the origin's status and body, only cache it for `caching_seconds`.
    response_code: int | None = None
    page_path: str | None = None
    caching_seconds: int = 10


@dataclass(frozen=True)
class Delivery:
    """Where the distribution answers and how it is protected."""

    aliases: tuple[str, ...]
    #: us-east-1 ACM certificate covering `aliases`.
    certificate_arn: str
    #: CLOUDFRONT-scope web ACL (us-east-1).
    web_acl_arn: str
    #: `<bucket>.s3.amazonaws.com` of an ACL-enabled log bucket.
    log_bucket_domain_name: str
    log_prefix: str
    allowed_countries: tuple[str, ...] = ("US",)
    price_class: str = "PriceClass_100"


@dataclass(frozen=True)
class DistributionProps:
    #: Shown in the console and used as the Name tag (distributions have no name).
    comment: str
    origin: S3Origin | HttpsOrigin
    delivery: Delivery
    #: Region of the Origin Shield cache in front of the origin (`origin_shield_region()`).
    origin_shield_region: str
    response_headers_policy_id: str
    cache_policy_id: str
    origin_request_policy_id: str | None = None
    read_only: bool = True
    default_root_object: str = ""
    error_pages: tuple[ErrorPage, ...] = ()


class Distribution(Construct):
    """Exposes `distribution` (L1), `arn`, `domain_name` and `hosted_zone_id`."""

    def __init__(self, scope: Construct, construct_id: str, props: DistributionProps) -> None:
        super().__init__(scope, construct_id)
        m = provider_module("cloudfront_distribution")
        origin, delivery = props.origin, props.delivery
        if props.origin_shield_region not in ORIGIN_SHIELD_REGIONS:
            raise ValueError(f"Origin Shield does not run in {props.origin_shield_region}")
        shield = m.CloudfrontDistributionOriginOriginShield(
            enabled=True, origin_shield_region=props.origin_shield_region)
        if isinstance(origin, S3Origin):
            origins = [m.CloudfrontDistributionOrigin(
                origin_id="s3", domain_name=origin.bucket_regional_domain_name,
                origin_access_control_id=origin.origin_access_control_id, origin_shield=shield)]
        else:
            origins = [m.CloudfrontDistributionOrigin(
                origin_id="api", domain_name=origin.domain_name,
                origin_path=origin.origin_path or None, origin_shield=shield,
                custom_origin_config=m.CloudfrontDistributionOriginCustomOriginConfig(
                    http_port=80, https_port=443, origin_protocol_policy="https-only",
                    origin_ssl_protocols=["TLSv1.2"]))]
        methods = ["GET", "HEAD"] if props.read_only else [
            "GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
        self.distribution = m.CloudfrontDistribution(
            self, "distribution", enabled=True, comment=props.comment,
            aliases=list(delivery.aliases), is_ipv6_enabled=True, http_version="http2and3",
            price_class=delivery.price_class, web_acl_id=delivery.web_acl_arn,
            default_root_object=props.default_root_object or None, origin=origins,
            default_cache_behavior=m.CloudfrontDistributionDefaultCacheBehavior(
                target_origin_id=origins[0].origin_id, viewer_protocol_policy="redirect-to-https",
                allowed_methods=methods, cached_methods=["GET", "HEAD"], compress=True,
                cache_policy_id=props.cache_policy_id,
                origin_request_policy_id=props.origin_request_policy_id,
                response_headers_policy_id=props.response_headers_policy_id),
            viewer_certificate=m.CloudfrontDistributionViewerCertificate(
                acm_certificate_arn=delivery.certificate_arn, ssl_support_method="sni-only",
                minimum_protocol_version="TLSv1.2_2021"),
            restrictions=m.CloudfrontDistributionRestrictions(
                geo_restriction=m.CloudfrontDistributionRestrictionsGeoRestriction(
                    restriction_type="whitelist" if delivery.allowed_countries else "none",
                    locations=list(delivery.allowed_countries) or None)),
            logging_config=m.CloudfrontDistributionLoggingConfig(
                bucket=delivery.log_bucket_domain_name, prefix=delivery.log_prefix,
                include_cookies=False),
            custom_error_response=[m.CloudfrontDistributionCustomErrorResponse(
                error_code=page.error_code, response_code=page.response_code,
                response_page_path=page.page_path, error_caching_min_ttl=page.caching_seconds)
                for page in props.error_pages] or None,
            tags={"Name": props.comment})
        suppress(self.distribution, "CKV_AWS_310", "One origin per distribution: the origin's "
                 "availability is the regional service's (S3, API Gateway); cross-region failover "
                 "is done by Route 53 in front of the regional API.")
        if isinstance(origin, HttpsOrigin):
            suppress(self.distribution, "CKV2_AWS_46", "The origin is an HTTPS API, not an S3 "
                     "bucket: there is no bucket to protect with an origin access control.",
                     scan="terraform_json")
        self.arn: str = self.distribution.arn
        self.domain_name: str = self.distribution.domain_name
        self.hosted_zone_id: str = self.distribution.hosted_zone_id
