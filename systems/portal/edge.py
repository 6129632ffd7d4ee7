"""Part `edge`: one CloudFront distribution per React app (`lang-portal.<domain>`,
`haiku.<domain>`; the Lang Portal also at the bare `<domain>`), each serving its own prefix of `<stem>-frontend-assets` through an origin
access control and the app's `/api/*` from the load balancer, HTTPS only (redirect, TLS 1.2_2021) with a us-east-1 certificate validated in
the public zone, SPA error responses (403/404 -> /index.html 200), security response headers,
access logs to `<stem>-logs` (standard logging v2), a CLOUDFRONT-scope web ACL with the
specification's three managed rule sets and its rate limit, and the A + AAAA alias records.

The hosted UI's custom domain `auth.<domain>` lives here too, not in the auth part: Cognito
creates a custom domain only once its parent domain has an A record, and the first one the
platform has is the apex alias to the Lang Portal distribution created here. The auth part's
prefix domain keeps working beside it.

The bucket's grant to CloudFront (and the key's) are in the storage and network parts: a
bucket has one policy, so a second policy resource here would fight the storage part's.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.aws import provider_module
from modules.cdn import (Delivery, Distribution, DistributionProps, ErrorPage, HttpsOrigin,
                         PathBehavior, S3Origin, origin_shield_region)
from modules.cdn_policies import (ALL_VIEWER, CACHING_OPTIMIZED, CORS_S3_ORIGIN,
                                  s3_origin_access_control, security_headers_policy)
from modules.certificate import CertificateProps, DnsCertificate
from modules.hosted_zone import alias_records
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from modules.web_acl import WebAcl, WebAclProps
from systems.portal import catalog
from systems.portal.auth import Auth
from systems.portal.backend import WAF_GROUPS, WAF_RATE_LIMIT, Backend
from systems.portal.names import PortalNames
from systems.portal.network import SEED_RETENTION, Network
from systems.portal.settings import PortalSettings
from systems.portal.storage import Storage

#: CloudFront certificates and CLOUDFRONT-scope web ACLs exist only in us-east-1.
EDGE_REGION = "us-east-1"
#: A single-page app answers every path with index.html: S3 returns 403 for a missing key
#: (no ListBucket for CloudFront) and 404 with it.
SPA_ERRORS = (ErrorPage(403, 200, "/index.html"), ErrorPage(404, 200, "/index.html"))


@dataclass(frozen=True)
class Edge:
    #: App -> distribution.
    distributions: dict[str, Distribution]
    #: `auth.<domain>`: the hosted UI's custom domain.
    auth_domain: str


def content_security_policy(region: str, auth_host: str) -> str:
    """Own origin for everything; the apps also call Cognito (sign-in and tokens at the hosted
    UI's custom or prefix domain, the user and identity pool APIs)."""
    cognito = (f"https://{auth_host} https://*.auth.{region}.amazoncognito.com "
               f"https://cognito-idp.{region}.amazonaws.com "
               f"https://cognito-identity.{region}.amazonaws.com")
    return (f"default-src 'self'; connect-src 'self' {cognito}; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'self'; object-src 'none'")


def build_edge(stack: SystemStack, settings: PortalSettings, names: PortalNames,
               network: Network, storage: Storage, backend: Backend, auth: Auth) -> Edge:
    env, config = stack.env, settings.edge
    edge = stack.provider_in(EDGE_REGION)
    retention = settings.monitoring.log_retention_days
    hosts = {site.app: f"{site.app}.{settings.domain}" for site in catalog.SITES}
    auth_host = f"{catalog.AUTH_HOST}.{settings.domain}"
    # One us-east-1 certificate for the sites, the apex and the hosted UI's custom domain.
    certificate = DnsCertificate(stack, "cdn_certificate", CertificateProps(
        domain_name=hosts[catalog.SITES[0].app], zone_id=network.public_zone_id,
        alternative_names=(*(hosts[s.app] for s in catalog.SITES[1:]), settings.domain,
                           auth_host), provider=edge))
    waf = WebAcl(stack, "cdn_waf", WebAclProps(
        name=names.web_acl("cloudfront"), scope="CLOUDFRONT", rate_limit=WAF_RATE_LIMIT,
        rate_window_seconds=300, allowed_countries=config.allowed_countries,
        managed_groups=WAF_GROUPS, log_group_name=names.web_acl_log_group("cloudfront"),
        log_retention_days=retention, kms_key_arn=network.key_arn, provider=edge,
        description="Portal sites: managed rules and rate limit"))
    if retention < 365:
        suppress(waf.log_group, "CKV_AWS_338", SEED_RETENTION)
    headers = security_headers_policy(stack, "security_headers", names.headers_policy(),
                                      content_security_policy(env.region, auth_host))
    bucket = storage.buckets[catalog.FRONTEND_BUCKET]
    logs = storage.buckets[catalog.LOGS_BUCKET]
    # The app's API on the same host: `/api/*` to the load balancer, uncached, with the viewer's
    # Host (the ALB's host rule and certificate name `<app>.<domain>`).
    api = PathBehavior("/api/*", HttpsOrigin(backend.load_balancer.dns_name),
                       origin_request_policy_id=ALL_VIEWER)
    distributions = {}
    for site in catalog.SITES:
        ident = site.app.replace("-", "_")
        oac = s3_origin_access_control(stack, f"oac_{ident}", names.origin_access_control(site.app))
        distribution = Distribution(stack, f"cdn_{ident}", DistributionProps(
            comment=names.distribution(site.app),
            origin=S3Origin(bucket.bucket.bucket_regional_domain_name, oac.id,
                            origin_path=f"/{site.prefix}"),
            delivery=Delivery(
                aliases=(hosts[site.app], *((settings.domain,) if site.app == catalog.APEX_SITE
                                            else ())),
                certificate_arn=certificate.certificate_arn,
                web_acl_arn=waf.arn, log_bucket_domain_name="",
                log_prefix=f"{catalog.CDN_LOG_PREFIX}/{site.app}/",
                allowed_countries=config.allowed_countries, price_class=config.price_class,
                log_bucket_arn=logs.arn),
            origin_shield_region=origin_shield_region(env.region),
            response_headers_policy_id=headers.id, cache_policy_id=CACHING_OPTIMIZED,
            origin_request_policy_id=CORS_S3_ORIGIN, default_root_object="index.html",
            error_pages=SPA_ERRORS, path_behaviors=(api,), log_provider=edge))
        if not config.allowed_countries:
            suppress(distribution.distribution, "CKV_AWS_374",
                     "The specification asks for no geo-blocking: the apps are open to "
                     "learners everywhere; the web ACL's rate limit and rule sets apply.")
        suppress(distribution.distribution, "CKV2_AWS_47",
                 "The web ACL has AWSManagedRulesKnownBadInputsRuleSet (the Log4j rules); the "
                 "check also wants the anonymous-IP list, which the specification's three rule "
                 "sets (core, known bad inputs, IP reputation) leave out: VPN users are not "
                 "blocked.")
        distributions[site.app] = distribution
        alias_records(stack, f"record_{ident}", zone_id=network.public_zone_id,
                      name=hosts[site.app], target_name=distribution.domain_name,
                      target_zone_id=distribution.hosted_zone_id)
    apex = distributions[catalog.APEX_SITE]
    apex_records = alias_records(stack, "record_apex", zone_id=network.public_zone_id,
                                 name=settings.domain, target_name=apex.domain_name,
                                 target_zone_id=apex.hosted_zone_id)
    domain = provider_module("cognito_user_pool_domain").CognitoUserPoolDomain(
        stack, "auth_custom_domain", domain=auth_host, user_pool_id=auth.pool.pool_id,
        certificate_arn=certificate.certificate_arn,
        # Cognito refuses a custom domain whose parent has no A record yet.
        depends_on=apex_records)
    alias_records(stack, "record_auth", zone_id=network.public_zone_id, name=auth_host,
                  target_name=domain.cloudfront_distribution,
                  target_zone_id=domain.cloudfront_distribution_zone_id)
    return Edge(distributions=distributions, auth_domain=auth_host)
