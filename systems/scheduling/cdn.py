"""CDN part of the edge layer (phase 3, primary region): CloudFront distributions
`<prefix>-frontend-cdn-<env>` (frontend assets from a private S3 bucket) and
`<prefix>-api-cdn-<env>` (the REST API; only GET and HEAD are cached), their us-east-1
certificate, web ACL, security headers and access-log bucket.

Distributions have no name: the seed's names (with `-<env>` added so environments can share an
account) are their comment and Name tag. Host names (the seed gives none): `app.<zone>` and
`api-cdn.<zone>` (`cdn.frontend_host`, `cdn.api_host`). The frontend bucket and both log
destinations share one key whose policy lets CloudFront (this account's distributions) decrypt
and the log delivery service write.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.cdn import (Delivery, Distribution, DistributionProps, ErrorPage, HttpsOrigin,
                         S3Origin, origin_shield_region)
from modules.cdn_log_bucket import CdnLogBucket, CdnLogBucketProps
from modules.cdn_policies import (ALL_VIEWER_EXCEPT_HOST, CACHING_OPTIMIZED, cache_policy,
                                  cdn_key_statements, s3_origin_access_control,
                                  security_headers_policy)
from modules.certificate import CertificateProps, DnsCertificate
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.hosted_zone import alias_records
from modules.policy import Statement
from modules.rest_api import RestApi
from modules.secure_bucket import SecureBucket, SecureBucketProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from modules.web_acl import WebAcl
from systems.scheduling.data import Data
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings

FRONTEND_ERRORS = (
    # Without s3:ListBucket a missing object is a 403 from S3: show the not-found page.
    ErrorPage(403, 404, "/errors/404.html", 60), ErrorPage(404, 404, "/errors/404.html", 60),
    *(ErrorPage(code, code, "/errors/5xx.html", 5) for code in (500, 502, 503, 504)))
# API errors keep the API's JSON body; they are never served from the cache.
API_ERRORS = tuple(ErrorPage(code, caching_seconds=0) for code in (400, 403, 404, 429, 500, 502,
                                                                    503, 504))


@dataclass(frozen=True)
class Cdn:
    frontend: Distribution
    api: Distribution
    frontend_bucket: SecureBucket
    log_bucket: CdnLogBucket
    hosts: tuple[str, str]


def _key(stack: SystemStack, names: SchedulingNames) -> str:
    account = stack.env.account_id
    return EncryptionKey(stack, "cdn_key", EncryptionKeyProps(
        alias=names.cdn_key_alias(), account_id=account, region=stack.env.region,
        description=f"Encrypts the frontend assets and CDN logs ({stack.env.environment})",
        extra_statements=cdn_key_statements(account),
    )).key_arn


def build_cdn(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
              data: Data, api: RestApi, zone_id: str, zone_name: str, acl: WebAcl) -> Cdn:
    env, cdn = stack.env, settings.cdn
    key_arn = _key(stack, names)
    logs = CdnLogBucket(stack, "cdn_logs", CdnLogBucketProps(
        bucket_name=names.cdn_bucket("cdn-logs"), kms_key_arn=key_arn,
        retention_days=cdn.log_retention_days))
    hosts = (f"{cdn.frontend_host}.{zone_name}", f"{cdn.api_host}.{zone_name}")
    certificate = DnsCertificate(stack, "cdn_certificate", CertificateProps(
        domain_name=hosts[0], alternative_names=hosts[1:], zone_id=zone_id,
        provider=stack.provider_in("us-east-1")))
    headers = security_headers_policy(stack, "cdn_security_headers",
                                      names.cdn_policy("security-headers"))

    def delivery(prefix: str) -> Delivery:
        return Delivery(aliases=(hosts[0] if prefix == "frontend" else hosts[1],),
                        certificate_arn=certificate.certificate_arn, web_acl_arn=acl.arn,
                        log_bucket_domain_name=logs.bucket_domain_name, log_prefix=f"{prefix}/",
                        allowed_countries=settings.waf.allowed_countries,
                        price_class=cdn.price_class)

    bucket_name = names.cdn_bucket("frontend")
    oac = s3_origin_access_control(stack, "frontend_oac", names.cdn_policy("frontend-oac"))
    frontend = Distribution(stack, "frontend_cdn", DistributionProps(
        comment=names.distribution("frontend"),
        # The bucket's regional name is known from its name: no dependency cycle with the
        # bucket policy, which names this distribution.
        origin=S3Origin(f"{bucket_name}.s3.{env.region}.amazonaws.com", oac.id),
        delivery=delivery("frontend"), origin_shield_region=origin_shield_region(env.region),
        response_headers_policy_id=headers.id, cache_policy_id=CACHING_OPTIMIZED,
        default_root_object="index.html", error_pages=FRONTEND_ERRORS))
    bucket = SecureBucket(stack, "frontend_bucket", SecureBucketProps(
        bucket_name=bucket_name, kms_key_arn=key_arn,
        extra_policy_statements=(Statement(
            sid="OnlyTheFrontendDistributionReads", actions=("s3:GetObject",),
            resources=(f"arn:aws:s3:::{bucket_name}/*",),
            principals=(("Service", ("cloudfront.amazonaws.com",)),),
            conditions=(("StringEquals", "aws:SourceArn", (frontend.arn,)),)),)))
    for check, reason in (
        ("CKV_AWS_18", "Only the frontend distribution reads this bucket, and CloudFront logs "
                       "every viewer request to the CDN log bucket."),
        ("CKV_AWS_144", "The assets are build output deployed from the repository; a replica "
                        "adds no recovery value over a redeploy."),
        ("CKV2_AWS_62", "Nothing reacts to asset uploads; CloudFront reads them on request."),
    ):
        suppress(bucket.bucket, check, reason)
    get_cache = cache_policy(
        stack, "api_get_cache", names.cdn_policy("api-get-cache"),
        default_ttl=cdn.api_cache_seconds, max_ttl=max(300, cdn.api_cache_seconds),
        # Callers with different tokens or keys never share a cached answer.
        headers=("Authorization", "x-api-key"), all_query_strings=True)
    api_cdn = Distribution(stack, "api_cdn", DistributionProps(
        comment=names.distribution("api"),
        origin=HttpsOrigin(f"{api.rest_api_id}.execute-api.{env.region}.amazonaws.com",
                           f"/{api.stage_name}"),
        delivery=delivery("api"), origin_shield_region=origin_shield_region(env.region),
        response_headers_policy_id=headers.id, cache_policy_id=get_cache.id,
        origin_request_policy_id=ALL_VIEWER_EXCEPT_HOST, read_only=False,
        error_pages=API_ERRORS))
    suppress(api_cdn.distribution, "CKV_AWS_305", "An API has no root document: '/' is no "
             "route of the API and answers 404.")
    for host, distribution in zip(hosts, (frontend, api_cdn)):
        alias_records(stack, f"cdn_{host.split('.')[0].replace('-', '_')}", zone_id=zone_id,
                      name=host, target_name=distribution.domain_name,
                      target_zone_id=distribution.hosted_zone_id)
    return Cdn(frontend=frontend, api=api_cdn, frontend_bucket=bucket, log_bucket=logs,
               hosts=hosts)
