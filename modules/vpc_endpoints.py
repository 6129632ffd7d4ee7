"""VPC endpoints: free gateway endpoints (S3, DynamoDB) on the private route tables, and
interface endpoints with private DNS in the private subnets, so the workloads reach AWS APIs
without leaving the VPC (and without the NAT's per-GB charge)."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module


@dataclass(frozen=True)
class VpcEndpointsProps:
    vpc_id: str
    region: str
    route_table_ids: tuple[str, ...]
    subnet_ids: tuple[str, ...]
    #: Groups of the interface endpoints (they must allow 443 from the workloads).
    security_group_ids: tuple[str, ...]
    #: Service part of `com.amazonaws.<region>.<service>`.
    interface_services: tuple[str, ...] = ()
    gateway_services: tuple[str, ...] = ("s3", "dynamodb")


class VpcEndpoints(Construct):
    """Exposes `endpoints`: service -> L1 endpoint resource."""

    def __init__(self, scope: Construct, construct_id: str, props: VpcEndpointsProps) -> None:
        super().__init__(scope, construct_id)
        endpoint = provider_module("vpc_endpoint").VpcEndpoint
        self.endpoints = {}
        for service in props.gateway_services:
            self.endpoints[service] = endpoint(
                self, service.replace("-", "_"), vpc_id=props.vpc_id,
                service_name=f"com.amazonaws.{props.region}.{service}",
                vpc_endpoint_type="Gateway", route_table_ids=list(props.route_table_ids))
        for service in props.interface_services:
            self.endpoints[service] = endpoint(
                self, service.replace("-", "_"), vpc_id=props.vpc_id,
                service_name=f"com.amazonaws.{props.region}.{service}",
                vpc_endpoint_type="Interface", private_dns_enabled=True,
                subnet_ids=list(props.subnet_ids),
                security_group_ids=list(props.security_group_ids))
