"""A Cloud Map private DNS namespace in a VPC and its services: ECS registers each task's IP
as an A record, so one service finds another by name (`lang-portal-api.app-dw.internal`)
without going through the load balancer."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module


@dataclass(frozen=True)
class ServiceDiscoveryProps:
    namespace: str
    vpc_id: str
    services: tuple[str, ...]
    #: TTL of the A records (the specification's "service discovery TTL").
    ttl_seconds: int = 60
    #: Failed custom health checks before Cloud Map stops answering with a task.
    failure_threshold: int = 1

    def __post_init__(self) -> None:
        if len(set(self.services)) != len(self.services):
            raise ValueError(f"namespace {self.namespace}: service names must be unique")
        if not 0 <= self.ttl_seconds <= 2_147_483_647:
            raise ValueError("ttl_seconds must be 0 or more")


class ServiceDiscovery(Construct):
    """Exposes `namespace` (L1), `namespace_id` and `service_arns` (name -> ARN)."""

    def __init__(self, scope: Construct, construct_id: str, props: ServiceDiscoveryProps) -> None:
        super().__init__(scope, construct_id)
        self.namespace = provider_module(
            "service_discovery_private_dns_namespace").ServiceDiscoveryPrivateDnsNamespace(
            self, "namespace", name=props.namespace, vpc=props.vpc_id,
            description=f"Private service names in {props.namespace}")
        module = provider_module("service_discovery_service")
        self.service_arns: dict[str, str] = {}
        for name in props.services:
            service = module.ServiceDiscoveryService(
                self, name.replace("-", "_"), name=name,
                dns_config=module.ServiceDiscoveryServiceDnsConfig(
                    namespace_id=self.namespace.id, routing_policy="MULTIVALUE",
                    dns_records=[module.ServiceDiscoveryServiceDnsConfigDnsRecords(
                        type="A", ttl=props.ttl_seconds)]),
                # ECS reports task health; Cloud Map answers only with healthy tasks.
                health_check_custom_config=module.ServiceDiscoveryServiceHealthCheckCustomConfig(
                    failure_threshold=props.failure_threshold))
            self.service_arns[name] = service.arn
        self.namespace_id: str = self.namespace.id
