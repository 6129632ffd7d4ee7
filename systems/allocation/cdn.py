"""CloudFront in front of the system (`cdn.domain_name`; "" leaves it out): one distribution
`<prefix>-allocation-cdn-<env>` on the custom domain with a us-east-1 ACM certificate validated
by DNS, HTTPS only (redirect, TLSv1.2_2021), a CLOUDFRONT-scope web ACL with the API's rules,
the API's country allow-list as geo restriction, Origin Shield, security response headers and
access logs.

- Default behavior: the frontend assets from the private bucket
  `<prefix>-allocation-frontend-<env>-<account>` through an origin access control (only this
  distribution may read it), cached, with custom error pages (`/errors/404.html`,
  `/errors/5xx.html`).
- `/<stage>/*` (e.g. `/prod/optimize`): the REST API, uncached (the stage has its own
  5-minute GET cache) with every viewer header but Host, so API keys and ID tokens reach it.
  The stage name is the path prefix because API Gateway's default endpoint expects it: no
  rewrite function or extra custom domain is needed.
- Results are not served from the results bucket through CloudFront although the
  specification lists "Enable CloudFront distribution" for it: an origin access control cannot
  tell users apart, so every signed-in user could read every result. Results are read through
  `GET /jobs/{job_id}/result` (API key, user pool token) on the same host; the bucket keeps its
  CORS rule for presigned downloads.

The zone: `cdn.hosted_zone_id` when the domain's zone exists, else a new public zone named
`cdn.domain_name` with query logging and DNSSEC (delegate it after the first apply). The
frontend bucket, the CDN log bucket and query logs use the stack's key, whose policy lets
CloudFront decrypt and the log delivery service write (`cdn_key_statements`, in data.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.cdn import (Delivery, Distribution, DistributionProps, ErrorPage, HttpsOrigin,
                         PathBehavior, S3Origin, origin_shield_region)
from modules.cdn_log_bucket import CdnLogBucket, CdnLogBucketProps
from modules.cdn_policies import (ALL_VIEWER_EXCEPT_HOST, CACHING_OPTIMIZED,
                                  s3_origin_access_control, security_headers_policy)
from modules.certificate import CertificateProps, DnsCertificate
from modules.hosted_zone import HostedZone, HostedZoneProps, alias_records
from modules.policy import Statement
from modules.rest_api import RestApi
from modules.secure_bucket import SecureBucket, SecureBucketProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from modules.web_acl import WebAcl, WebAclProps
from systems.allocation.data import Data
from systems.allocation.names import AllocationNames
from systems.allocation.settings import AllocationSettings

#: CloudFront certificates and CLOUDFRONT-scope web ACLs exist only in us-east-1.
EDGE_REGION = "us-east-1"
ERROR_PAGES = (
    # CloudFront may not list the bucket, so a missing object is a 403 from S3.
    ErrorPage(403, 404, "/errors/404.html", 60), ErrorPage(404, 404, "/errors/404.html", 60),
    *(ErrorPage(code, code, "/errors/5xx.html", 5) for code in (500, 502, 503, 504)))


@dataclass(frozen=True)
class Cdn:
    distribution: Distribution
    frontend_bucket: SecureBucket
    zone_id: str
    #: The new zone's name servers (None when the zone existed).
    name_servers: list[str] | None


def _zone(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
          data: Data) -> tuple[str, list[str] | None]:
    cdn = settings.cdn
    if cdn.hosted_zone_id:
        return cdn.hosted_zone_id, None
    in_edge_region = stack.env.region == EDGE_REGION
    zone = HostedZone(stack, "cdn_zone", HostedZoneProps(
        zone_name=cdn.domain_name, account_id=stack.env.account_id,
        query_log_group_name=names.query_log_group(cdn.domain_name),
        log_kms_key_arn=data.key_arn if in_edge_region else None,
        dnssec_key_alias=names.dnssec_key_alias(),
        log_retention_days=settings.functions.log_retention_days,
        provider=stack.provider_in(EDGE_REGION)))
    return zone.zone_id, zone.name_servers


def build_cdn(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
              data: Data, api: RestApi) -> Cdn | None:
    env, cdn = stack.env, settings.cdn
    if not cdn.domain_name:
        return None
    edge = stack.provider_in(EDGE_REGION)
    zone_id, name_servers = _zone(stack, settings, names, data)
    certificate = DnsCertificate(stack, "cdn_certificate", CertificateProps(
        domain_name=cdn.domain_name, zone_id=zone_id, provider=edge))
    in_edge_region = env.region == EDGE_REGION
    acl = WebAcl(stack, "cdn_protection", WebAclProps(
        name=names.cdn_web_acl(), scope="CLOUDFRONT", rate_limit=settings.api.waf_rate_limit,
        allowed_countries=settings.api.allowed_countries,
        log_group_name=names.cdn_web_acl_log_group(),
        log_retention_days=settings.functions.log_retention_days,
        kms_key_arn=data.key_arn if in_edge_region else None, provider=edge,
        description=f"Rate limit, countries and managed rules (CDN, {env.environment})"))
    if not in_edge_region:
        suppress(acl.log_group, "CKV_AWS_158", "CloudFront web ACLs log to us-east-1 and this "
                 "stack's key is in another region; CloudWatch Logs' own key applies.")
    logs = CdnLogBucket(stack, "cdn_logs", CdnLogBucketProps(
        bucket_name=names.bucket("cdn-logs"), kms_key_arn=data.key_arn,
        retention_days=settings.functions.log_retention_days))
    headers = security_headers_policy(stack, "cdn_security_headers",
                                      names.cdn_policy("security-headers"))
    oac = s3_origin_access_control(stack, "frontend_oac", names.cdn_policy("frontend-oac"))
    bucket_name = names.bucket("frontend")
    api_path = PathBehavior(
        f"/{api.stage_name}/*",
        HttpsOrigin(f"{api.rest_api_id}.execute-api.{env.region}.amazonaws.com"),
        origin_request_policy_id=ALL_VIEWER_EXCEPT_HOST)
    distribution = Distribution(stack, "cdn_distribution", DistributionProps(
        comment=names.distribution(),
        # The regional name follows from the bucket's name: no cycle with the bucket policy,
        # which names this distribution.
        origin=S3Origin(f"{bucket_name}.s3.{env.region}.amazonaws.com", oac.id),
        delivery=Delivery(aliases=(cdn.domain_name,), certificate_arn=certificate.certificate_arn,
                          web_acl_arn=acl.arn, log_bucket_domain_name=logs.bucket_domain_name,
                          log_prefix="cdn/", allowed_countries=settings.api.allowed_countries,
                          price_class=cdn.price_class),
        origin_shield_region=origin_shield_region(env.region),
        response_headers_policy_id=headers.id, cache_policy_id=CACHING_OPTIMIZED,
        default_root_object="index.html", error_pages=ERROR_PAGES, path_behaviors=(api_path,)))
    if not settings.api.allowed_countries:
        suppress(distribution.distribution, "CKV_AWS_374", "api.allowed_countries is empty: "
                 "this environment serves every country; the web ACL's rate limit and managed "
                 "rules still apply.")
    bucket = SecureBucket(stack, "cdn_frontend_assets", SecureBucketProps(
        bucket_name=bucket_name, kms_key_arn=data.key_arn,
        prevent_destroy=settings.storage.deletion_protection,
        access_log_bucket=data.access_logs.bucket_name,
        extra_policy_statements=(Statement(
            sid="OnlyTheDistributionReads", actions=("s3:GetObject",),
            resources=(f"arn:aws:s3:::{bucket_name}/*",),
            principals=(("Service", ("cloudfront.amazonaws.com",)),),
            conditions=(("StringEquals", "aws:SourceArn", (distribution.arn,)),)),)))
    suppress(bucket.bucket, "CKV_AWS_144", "The assets are build output deployed from the "
             "repository; a redeploy restores them, a replica adds nothing.")
    suppress(bucket.bucket, "CKV2_AWS_62", "Nothing reacts to asset uploads; CloudFront reads "
             "them on request.")
    alias_records(stack, "cdn_record", zone_id=zone_id, name=cdn.domain_name,
                  target_name=distribution.domain_name,
                  target_zone_id=distribution.hosted_zone_id)
    return Cdn(distribution=distribution, frontend_bucket=bucket, zone_id=zone_id,
               name_servers=name_servers)
