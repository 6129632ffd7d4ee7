"""The network layer: a VPC over three zones with public subnets (NAT gateways only), private
subnets (the Lambdas that reach AWS APIs) and isolated subnets (no route out; a network ACL
keeps their traffic inside the VPC), flow logs, gateway endpoints for S3 and DynamoDB and
interface endpoints (SageMaker, Lambda, Logs) reachable from the functions' group only."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from modules.flow_logs import FlowLogs, FlowLogsProps
from modules.network_acl import AclRule, NetworkAcl, NetworkAclProps
from modules.security_group import SecurityGroup, SecurityGroupProps
from modules.stacks.system_stack import SystemStack
from modules.vpc import Vpc, VpcProps
from modules.vpc_endpoints import VpcEndpoints, VpcEndpointsProps
from systems.allocation.names import AllocationNames
from systems.allocation.settings import AllocationSettings


#: Service ports open inside the isolated tier (HTTPS endpoints, PostgreSQL).
ISOLATED_PORTS = (443, 5432)


@dataclass(frozen=True)
class Network:
    vpc: Vpc
    functions: SecurityGroup
    endpoints: VpcEndpoints


def subnet_blocks(cidr: str, zones: int) -> tuple[tuple[str, ...], ...]:
    """(public /24s, private /20s, isolated /22s) of a /16, one per zone."""
    network = ipaddress.IPv4Network(cidr)
    sixteenths = list(network.subnets(new_prefix=20))
    public = tuple(str(b) for b in list(sixteenths[0].subnets(new_prefix=24))[:zones])
    private = tuple(str(b) for b in sixteenths[1:1 + zones])
    isolated = tuple(str(b) for b in list(sixteenths[8].subnets(new_prefix=22))[:zones])
    return public, private, isolated


def build_network(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
                  key_arn: str) -> Network:
    env, config = stack.env, settings.network
    zones = tuple(f"{env.region}{letter}" for letter in config.availability_zones)
    public, private, isolated = subnet_blocks(config.cidr, len(zones))
    vpc = Vpc(stack, "network", VpcProps(
        name=names.vpc(), cidr=config.cidr, availability_zones=zones,
        nat_per_zone=config.nat_gateways == "per_zone", public_cidrs=public,
        private_cidrs=private, isolated_cidrs=isolated))
    FlowLogs(stack, "flow_logs", FlowLogsProps(
        vpc_id=vpc.vpc_id, log_group_name=names.flow_log_group(), role_name=names.flow_log_role(),
        account_id=env.account_id, region=env.region, kms_key_arn=key_arn,
        retention_days=settings.functions.log_retention_days))
    # Isolated subnets: stateless rules admit only the VPC's own traffic: service ports in,
    # replies (ephemeral ports) both ways; nothing to or from outside the VPC.
    NetworkAcl(stack, "isolated_acl", NetworkAclProps(
        name=names.name("isolated-acl"), vpc_id=vpc.vpc_id, subnet_ids=vpc.isolated_subnet_ids,
        rules=tuple(AclRule(100 + 10 * i, False, "allow", config.cidr, "tcp", port, port)
                    for i, port in enumerate(ISOLATED_PORTS)) + (
            AclRule(200, False, "allow", config.cidr, "tcp", 1024, 65535),
            AclRule(100, True, "allow", config.cidr, "tcp", 1024, 65535),
            *(AclRule(110 + 10 * i, True, "allow", config.cidr, "tcp", port, port)
              for i, port in enumerate(ISOLATED_PORTS)))))
    functions = SecurityGroup(stack, "sg_functions", SecurityGroupProps(
        name=names.security_group("functions"), vpc_id=vpc.vpc_id,
        description="Allocation Lambdas in the VPC: HTTPS to AWS APIs only"))
    functions.allow_egress_to("0.0.0.0/0", 443, "HTTPS to AWS APIs (endpoints or NAT)")
    endpoint_group = SecurityGroup(stack, "sg_endpoints", SecurityGroupProps(
        name=names.security_group("endpoints"), vpc_id=vpc.vpc_id,
        description="Interface endpoints: HTTPS from the allocation Lambdas only"))
    endpoint_group.allow_from(functions, 443, "HTTPS from the allocation Lambdas")
    endpoints = VpcEndpoints(stack, "endpoints", VpcEndpointsProps(
        vpc_id=vpc.vpc_id, region=env.region, route_table_ids=vpc.private_route_table_ids,
        subnet_ids=vpc.private_subnet_ids, security_group_ids=(endpoint_group.group_id,),
        interface_services=config.interface_endpoints))
    return Network(vpc, functions, endpoints)
