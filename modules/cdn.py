"""A CloudFront distribution: HTTPS only (redirect, TLSv1.2_2021, an ACM certificate for its
own host names), a WAF web ACL, Origin Shield, a country allow-list, security response headers,
custom error pages and standard access logs.

The origin is a private S3 bucket (or a prefix of one) through an origin access control
(`S3Origin`) or an HTTPS API (`HttpsOrigin`, TLS 1.2 to the origin); `path_behaviors` send
paths such as `/api/*` to an HTTPS origin uncached. `read_only` distributions answer GET and
HEAD; the others pass every method through and cache only GET and HEAD. Access logs go to an
ACL-enabled bucket (legacy standard logging) or, with `Delivery.log_bucket_arn`, to a bucket
with ACLs disabled through standard logging v2 (a CloudWatch Logs delivery).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

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
    #: e.g. "/lang-portal": one bucket serves several sites, each from its own prefix.
    origin_path: str = ""


@dataclass(frozen=True)
class HttpsOrigin:
    domain_name: str
    #: e.g. "/prod" for an API Gateway stage.
    origin_path: str = ""


@dataclass(frozen=True)
class PathBehavior:
    """Requests matching `path_pattern` (e.g. "/api/*") go to an HTTPS origin uncached: an
    API behind the same host name as the site."""

    path_pattern: str
    origin: HttpsOrigin
    #: The managed "CachingDisabled" policy by default.
    cache_policy_id: str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    origin_request_policy_id: str | None = None


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
    #: `<bucket>.s3.amazonaws.com` of an ACL-enabled log bucket (legacy standard logging);
    #: "" when `log_bucket_arn` is given instead.
    log_bucket_domain_name: str
    log_prefix: str
    allowed_countries: tuple[str, ...] = ("US",)
    price_class: str = "PriceClass_100"
    #: ARN of a log bucket with ACLs disabled (bucket owner enforced): the logs go through
    #: standard logging v2 (a CloudWatch Logs delivery to S3), which needs no ACL. The bucket
    #: policy must let `delivery.logs.amazonaws.com` write `AWSLogs/<account>/`.
    log_bucket_arn: str = ""

    def __post_init__(self) -> None:
        if bool(self.log_bucket_domain_name) == bool(self.log_bucket_arn):
            raise ValueError("give exactly one of log_bucket_domain_name (legacy logging to an "
                             "ACL-enabled bucket) and log_bucket_arn (standard logging v2)")


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
    #: Extra path behaviors, in order, before the default one (e.g. "/api/*" to an API).
    path_behaviors: tuple[PathBehavior, ...] = ()
    #: us-east-1 provider for the standard logging v2 resources (CloudFront's log source
    #: lives there); None: the stack's default (a us-east-1 stack).
    log_provider: Any = None


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
                origin_access_control_id=origin.origin_access_control_id, origin_shield=shield,
                origin_path=origin.origin_path or None)]
        else:
            origins = [m.CloudfrontDistributionOrigin(
                origin_id="api", domain_name=origin.domain_name,
                origin_path=origin.origin_path or None, origin_shield=shield,
                custom_origin_config=m.CloudfrontDistributionOriginCustomOriginConfig(
                    http_port=80, https_port=443, origin_protocol_policy="https-only",
                    origin_ssl_protocols=["TLSv1.2"]))]
        all_methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
        methods = ["GET", "HEAD"] if props.read_only else all_methods
        behaviors = []
        for index, behavior in enumerate(props.path_behaviors):
            origin_id = f"path{index}"
            origins.append(m.CloudfrontDistributionOrigin(
                origin_id=origin_id, domain_name=behavior.origin.domain_name,
                origin_path=behavior.origin.origin_path or None,
                custom_origin_config=m.CloudfrontDistributionOriginCustomOriginConfig(
                    http_port=80, https_port=443, origin_protocol_policy="https-only",
                    origin_ssl_protocols=["TLSv1.2"])))
            behaviors.append(m.CloudfrontDistributionOrderedCacheBehavior(
                path_pattern=behavior.path_pattern, target_origin_id=origin_id,
                viewer_protocol_policy="redirect-to-https", allowed_methods=all_methods,
                cached_methods=["GET", "HEAD"], compress=True,
                cache_policy_id=behavior.cache_policy_id,
                origin_request_policy_id=behavior.origin_request_policy_id,
                response_headers_policy_id=props.response_headers_policy_id))
        self.distribution = m.CloudfrontDistribution(
            self, "distribution", enabled=True, comment=props.comment,
            aliases=list(delivery.aliases), is_ipv6_enabled=True, http_version="http2and3",
            price_class=delivery.price_class, web_acl_id=delivery.web_acl_arn,
            default_root_object=props.default_root_object or None, origin=origins,
            ordered_cache_behavior=behaviors or None,
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
                include_cookies=False) if delivery.log_bucket_domain_name else None,
            custom_error_response=[m.CloudfrontDistributionCustomErrorResponse(
                error_code=page.error_code, response_code=page.response_code,
                response_page_path=page.page_path, error_caching_min_ttl=page.caching_seconds)
                for page in props.error_pages] or None,
            tags={"Name": props.comment})
        suppress(self.distribution, "CKV_AWS_310", "One origin per path (no origin group): "
                 "each origin's availability is the regional service's (S3, API Gateway, load "
                 "balancer); cross-region failover is done by Route 53 in front of the regional "
                 "API.")
        if isinstance(origin, HttpsOrigin):
            suppress(self.distribution, "CKV2_AWS_46", "The origin is an HTTPS API, not an S3 "
                     "bucket: there is no bucket to protect with an origin access control.",
                     scan="terraform_json")
        if delivery.log_bucket_arn:
            self._log_delivery(props)
        self.arn: str = self.distribution.arn
        self.domain_name: str = self.distribution.domain_name
        self.hosted_zone_id: str = self.distribution.hosted_zone_id

    def _log_delivery(self, props: DistributionProps) -> None:
        """Standard logging v2: source (the distribution), destination (the bucket), delivery
        (with the prefix as the suffix path). checkov only knows `logging_config`."""
        name = re.sub(r"[^\w-]", "-", props.comment)[:50]
        source = provider_module("cloudwatch_log_delivery_source").CloudwatchLogDeliverySource(
            self, "log_source", name=f"{name}-access", log_type="ACCESS_LOGS",
            resource_arn=self.distribution.arn, provider=props.log_provider)
        dest = provider_module("cloudwatch_log_delivery_destination")
        destination = dest.CloudwatchLogDeliveryDestination(
            self, "log_destination", name=f"{name}-s3", output_format="parquet",
            delivery_destination_configuration=[
                dest.CloudwatchLogDeliveryDestinationDeliveryDestinationConfiguration(
                    destination_resource_arn=props.delivery.log_bucket_arn)],
            provider=props.log_provider)
        deliveries = provider_module("cloudwatch_log_delivery")
        deliveries.CloudwatchLogDelivery(
            self, "log_delivery", delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            # The provider requires enable_hive_compatible_path although the API defaults it.
            s3_delivery_configuration=[deliveries.CloudwatchLogDeliveryS3DeliveryConfiguration(
                enable_hive_compatible_path=False, suffix_path=f"{props.delivery.log_prefix.strip('/')}/{{DistributionId}}/"
                            "{yyyy}/{MM}/{dd}/{HH}")],
            provider=props.log_provider)
        suppress(self.distribution, "CKV_AWS_86", "Access logs go through CloudFront standard "
                 "logging v2 (a CloudWatch Logs delivery to the S3 log bucket, which has ACLs "
                 "disabled); checkov only recognises the legacy logging_config.")
