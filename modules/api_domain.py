"""A REST API stage behind custom domain names in a Route 53 zone, routed across regions.

Each region's stack adds, for its own API stage:
- regional custom domains (TLS 1.2) for the API host and the health host, mapped to the stage;
- a Route 53 health check on the stage's `/health` route, called on the API's own
  execute-api host name so it checks this region and nothing else;
- a latency record (`set_identifier` = region) for the API host, and a failover record
  (PRIMARY or SECONDARY) for the health host, both aliases of this region's domains that
  follow the health check.
Two regions' stacks with the same zone and names give latency routing with failover.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module


@dataclass(frozen=True)
class ApiDomainProps:
    zone_id: str
    #: e.g. api.<zone> (latency-routed) and health.<zone> (failover-routed).
    api_host: str
    health_host: str
    #: Validated regional certificate covering both hosts.
    certificate_arn: str
    rest_api_id: str
    stage_name: str
    region: str
    #: "PRIMARY" or "SECONDARY" for the health host's failover record.
    failover_role: str = "PRIMARY"
    health_path: str = "/health"
    #: Seconds between checks (10 or 30) and failures before unhealthy.
    check_interval_seconds: int = 30
    failure_threshold: int = 3
    #: Regions Route 53 checks from (at least 3); US ones by default, since the web ACL in front
    #: of the stage admits US addresses only.
    checker_regions: tuple[str, ...] = ("us-east-1", "us-west-1", "us-west-2")

    def __post_init__(self) -> None:
        if self.failover_role not in ("PRIMARY", "SECONDARY"):
            raise ValueError("failover_role must be PRIMARY or SECONDARY")
        if self.check_interval_seconds not in (10, 30):
            raise ValueError("check_interval_seconds must be 10 or 30")
        if len(self.checker_regions) < 3:
            raise ValueError("Route 53 health checks need at least 3 checker regions")
        if not self.health_path.startswith("/"):
            raise ValueError("health_path starts with '/'")


class ApiDomain(Construct):
    """Exposes `health_check` (L1), `domains` (host -> L1 domain name) and `records`."""

    def __init__(self, scope: Construct, construct_id: str, props: ApiDomainProps) -> None:
        super().__init__(scope, construct_id)
        names = provider_module("api_gateway_domain_name")
        mapping = provider_module("api_gateway_base_path_mapping").ApiGatewayBasePathMapping
        self.domains = {}
        for kind, host in (("api", props.api_host), ("health", props.health_host)):
            domain = names.ApiGatewayDomainName(
                self, f"{kind}_domain", domain_name=host,
                regional_certificate_arn=props.certificate_arn, security_policy="TLS_1_2",
                endpoint_configuration=names.ApiGatewayDomainNameEndpointConfiguration(
                    types=["REGIONAL"]))
            mapping(self, f"{kind}_mapping", api_id=props.rest_api_id,
                    stage_name=props.stage_name, domain_name=domain.domain_name)
            self.domains[host] = domain
        self.health_check = provider_module("route53_health_check").Route53HealthCheck(
            self, "health_check", type="HTTPS", port=443, enable_sni=True,
            fqdn=f"{props.rest_api_id}.execute-api.{props.region}.amazonaws.com",
            resource_path=f"/{props.stage_name}{props.health_path}",
            request_interval=props.check_interval_seconds,
            failure_threshold=props.failure_threshold, measure_latency=True,
            regions=list(props.checker_regions),
            reference_name=f"{props.stage_name}-{props.region}"[:28],
            tags={"Name": f"{props.api_host} {props.region}"})
        record = provider_module("route53_record")

        def alias(domain) -> object:
            return record.Route53RecordAlias(
                name=domain.regional_domain_name, zone_id=domain.regional_zone_id,
                evaluate_target_health=True)

        self.records = [
            record.Route53Record(
                self, "api_latency", zone_id=props.zone_id, name=props.api_host, type="A",
                set_identifier=props.region, health_check_id=self.health_check.id,
                latency_routing_policy=record.Route53RecordLatencyRoutingPolicy(
                    region=props.region),
                alias=alias(self.domains[props.api_host])),
            record.Route53Record(
                self, "health_failover", zone_id=props.zone_id, name=props.health_host, type="A",
                set_identifier=f"{props.region}-{props.failover_role.lower()}",
                health_check_id=self.health_check.id,
                failover_routing_policy=record.Route53RecordFailoverRoutingPolicy(
                    type=props.failover_role),
                alias=alias(self.domains[props.health_host])),
        ]
