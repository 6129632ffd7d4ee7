"""Edge layer (phase 3): the API's web ACL `<prefix>-api-protection-<env>`, its custom domains,
Route 53 records and health checks, and (in the primary region) the hosted zone and the CDN.

Decisions where the specification is silent or contradicts itself:
- Multi-region is one stack per region. Everything the API needs (agents, tables, functions)
  is regional, so a second region is the same environment's stack deployed from an env file
  whose `region` is `dns.secondary_region`; it adds its own latency record, failover record
  (SECONDARY) and health check to the primary's zone (`dns.hosted_zone_id`). A provider alias
  is used only for what AWS pins to us-east-1 (CloudFront certificate and web ACL, Route 53
  query logs, DNSSEC key).
- The seed's 5 WAF rules are: a rate limit of 100 requests per 5 minutes per IP, a US-only
  country rule, and the managed Core rule set (XSS), Known bad inputs (Log4j) and SQL database
  (SQLi; the Core set has no SQLi rules) groups. The WAF limit (per IP) sits below the usage
  plan's 1000 requests a minute (per API key): one client is blocked long before the key is.
- Names carry `-<env>` (the seed's `pf-api-protection` and CloudFront names do not).
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.api_domain import ApiDomain, ApiDomainProps
from modules.certificate import CertificateProps, DnsCertificate
from modules.errors import ConfigError
from modules.hosted_zone import HostedZone, HostedZoneProps
from modules.rest_api import RestApi
from modules.stacks.system_stack import SystemStack
from modules.web_acl import WebAcl, WebAclProps
from systems.scheduling.cdn import Cdn, build_cdn
from systems.scheduling.data import Data
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse

GLOBAL_REGION = "us-east-1"


@dataclass(frozen=True)
class Edge:
    api_acl: WebAcl
    zone_id: str
    zone_name: str
    api_domain: ApiDomain
    #: Primary region only: the zone this stack created (None when it only adds records).
    zone: HostedZone | None
    cdn: Cdn | None


def web_acl(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
            data: Data, part: str, scope: str) -> WebAcl:
    """The API's (REGIONAL) or the CDN's (CLOUDFRONT, us-east-1) web ACL with the same rules."""
    region = stack.env.region if scope == "REGIONAL" else GLOBAL_REGION
    key = data.key_arn if region == stack.env.region else None
    waf = settings.waf
    acl = WebAcl(stack, f"{part}_protection", WebAclProps(
        name=names.web_acl(part), scope=scope, rate_limit=waf.rate_limit,
        rate_window_seconds=waf.rate_window_seconds, allowed_countries=waf.allowed_countries,
        log_group_name=names.web_acl_log_group(part), log_retention_days=waf.log_retention_days,
        kms_key_arn=key, provider=stack.provider_in(region),
        description=f"Rate limit, countries and managed rules ({part}, {stack.env.environment})"))
    if data.key_arn is None:
        excuse([acl.log_group], ("CKV_AWS_158",), NO_CUSTOMER_KEY)
    elif key is None:
        excuse([acl.log_group], ("CKV_AWS_158",), "CloudFront web ACLs log to us-east-1 and this "
               "stack's customer key is in another region; CloudWatch Logs' own key applies.")
    return acl


def build_edge(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
               data: Data, api: RestApi) -> Edge:
    env, dns = stack.env, settings.dns
    api_acl = web_acl(stack, settings, names, data, "api", "REGIONAL")
    api_acl.associate("api_stage", api.stage_arn)
    primary = env.region != dns.secondary_region
    zone_name = dns.zone(env.environment)
    zone = None
    if dns.hosted_zone_id:
        zone_id = dns.hosted_zone_id
    elif not primary:
        raise ConfigError("", "systems.scheduling.dns.hosted_zone_id",
                          f"a stack in the secondary region {dns.secondary_region} adds records "
                          "to the primary region's zone: set its zone id")
    else:
        zone = HostedZone(stack, "dns", HostedZoneProps(
            zone_name=zone_name, account_id=env.account_id,
            query_log_group_name=names.query_log_group(zone_name),
            log_kms_key_arn=data.key_arn if env.region == GLOBAL_REGION else None,
            dnssec_key_alias=names.dnssec_key_alias(),
            log_retention_days=settings.functions.log_retention_days,
            provider=stack.provider_in(GLOBAL_REGION),
            **({"no_key_reason": NO_CUSTOMER_KEY} if data.key_arn is None else {})))
        zone_id = zone.zone_id
    api_host, health_host = f"api.{zone_name}", f"health.{zone_name}"
    certificate = DnsCertificate(stack, "api_certificate", CertificateProps(
        domain_name=api_host, alternative_names=(health_host,), zone_id=zone_id))
    domain = ApiDomain(stack, "api_domain", ApiDomainProps(
        zone_id=zone_id, api_host=api_host, health_host=health_host,
        certificate_arn=certificate.certificate_arn, rest_api_id=api.rest_api_id,
        stage_name=api.stage_name, region=env.region,
        failover_role="PRIMARY" if primary else "SECONDARY"))
    # CloudFront is global: only the primary region's stack creates the distributions.
    cdn = build_cdn(stack, settings, names, data, api, zone_id, zone_name,
                    web_acl(stack, settings, names, data, "cdn", "CLOUDFRONT")) if primary else None
    return Edge(api_acl=api_acl, zone_id=zone_id, zone_name=zone_name, api_domain=domain,
                zone=zone, cdn=cdn)
