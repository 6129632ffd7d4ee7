"""A VPC over several availability zones: one private subnet per zone for the workloads, and
small public subnets that hold only NAT gateways (nothing else gets a public address).

The CIDR is split in eight equal blocks: private subnet `i` is block `i`, and the last block
is split in eight again for the public subnets, so a /16 gives /19 private and /22 public
subnets, and the smallest allowed VPC (/22) still gives /25 and /28 (AWS's minimum).
Private route tables send 0.0.0.0/0 to the NAT of their own zone (`nat_per_zone`) or to the
single NAT in the first zone. The default security group is taken over with no rules, so
nothing can use it by accident. A specification that names its subnet blocks passes them
(`public_cidrs`, `private_cidrs`, optional `isolated_cidrs` for databases) instead.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module

MAX_ZONES = 4


def subnet_cidrs(cidr: str, zones: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(private, public) subnet blocks of `cidr` for `zones` zones."""
    if not 1 <= zones <= MAX_ZONES:
        raise ValueError(f"zones must be 1-{MAX_ZONES}, got {zones}")
    network = ipaddress.IPv4Network(cidr)
    if network.prefixlen > 22:
        raise ValueError(f"{cidr} is smaller than /22; public subnets would be under /28")
    blocks = list(network.subnets(prefixlen_diff=3))
    public = list(blocks[-1].subnets(prefixlen_diff=3))
    return (tuple(str(b) for b in blocks[:zones]), tuple(str(b) for b in public[:zones]))


@dataclass(frozen=True)
class VpcProps:
    name: str
    cidr: str
    #: Full zone names, e.g. ("us-east-1a", "us-east-1b", "us-east-1c").
    availability_zones: tuple[str, ...]
    #: One NAT gateway per zone (no cross-zone dependency) instead of one in the first zone.
    nat_per_zone: bool = False
    #: Explicit subnet blocks, one per zone, instead of the carving above (all three or none
    #: of public/private; isolated is optional): for a specification that names its CIDRs.
    public_cidrs: tuple[str, ...] = ()
    private_cidrs: tuple[str, ...] = ()
    #: Isolated subnets (databases): a route table of their own with no route out of the VPC.
    isolated_cidrs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        zones = len(self.availability_zones)
        if bool(self.public_cidrs) != bool(self.private_cidrs):
            raise ValueError(f"{self.name}: give public_cidrs and private_cidrs together")
        network = ipaddress.IPv4Network(self.cidr)
        for tier in ("public_cidrs", "private_cidrs", "isolated_cidrs"):
            blocks = getattr(self, tier)
            if blocks and len(blocks) != zones:
                raise ValueError(f"{self.name}: {tier} needs one block per zone ({zones})")
            for block in blocks:
                if not ipaddress.IPv4Network(block).subnet_of(network):
                    raise ValueError(f"{self.name}: {tier} {block} is outside {self.cidr}")
        explicit = [*self.public_cidrs, *self.private_cidrs, *self.isolated_cidrs]
        if len(set(explicit)) != len(explicit):
            raise ValueError(f"{self.name}: subnet blocks must be distinct")


class Vpc(Construct):
    """Exposes `vpc` (the L1 resource), `vpc_id`, `cidr`, `private_subnet_ids`,
    `private_route_table_ids`, `public_subnet_ids`, `isolated_subnet_ids`,
    `isolated_route_table_ids` and `nat_gateways`."""

    def __init__(self, scope: Construct, construct_id: str, props: VpcProps) -> None:
        super().__init__(scope, construct_id)
        if props.private_cidrs:
            private_cidrs, public_cidrs = props.private_cidrs, props.public_cidrs
        else:
            private_cidrs, public_cidrs = subnet_cidrs(props.cidr, len(props.availability_zones))
        subnet = provider_module("subnet").Subnet
        route_table = provider_module("route_table").RouteTable
        route = provider_module("route").Route
        association = provider_module("route_table_association").RouteTableAssociation
        self.vpc = provider_module("vpc").Vpc(
            self, "vpc", cidr_block=props.cidr, enable_dns_support=True,
            enable_dns_hostnames=True,  # private DNS of interface endpoints needs both
            tags={"Name": props.name})
        vpc_id = self.vpc.id
        provider_module("default_security_group").DefaultSecurityGroup(
            self, "default_group", vpc_id=vpc_id, tags={"Name": f"{props.name}-default-unused"})
        gateway = provider_module("internet_gateway").InternetGateway(
            self, "internet_gateway", vpc_id=vpc_id, tags={"Name": props.name})
        public_table = route_table(self, "public_routes", vpc_id=vpc_id,
                                   tags={"Name": f"{props.name}-public"})
        route(self, "public_default", route_table_id=public_table.id,
              destination_cidr_block="0.0.0.0/0", gateway_id=gateway.id)
        nats, public_ids, private_ids, table_ids = [], [], [], []
        for i, (zone, private_cidr, public_cidr) in enumerate(
                zip(props.availability_zones, private_cidrs, public_cidrs)):
            public = subnet(self, f"public_{i}", vpc_id=vpc_id, cidr_block=public_cidr,
                            availability_zone=zone, map_public_ip_on_launch=False,
                            tags={"Name": f"{props.name}-public-{zone}", "Tier": "public"})
            association(self, f"public_{i}_routes", subnet_id=public.id,
                        route_table_id=public_table.id)
            public_ids.append(public.id)
            if i == 0 or props.nat_per_zone:
                address = provider_module("eip").Eip(self, f"nat_{i}_address", domain="vpc",
                                                     tags={"Name": f"{props.name}-nat-{zone}"})
                nats.append(provider_module("nat_gateway").NatGateway(
                    self, f"nat_{i}", allocation_id=address.allocation_id, subnet_id=public.id,
                    tags={"Name": f"{props.name}-nat-{zone}"}, depends_on=[gateway]))
            private = subnet(self, f"private_{i}", vpc_id=vpc_id, cidr_block=private_cidr,
                             availability_zone=zone, map_public_ip_on_launch=False,
                             tags={"Name": f"{props.name}-private-{zone}", "Tier": "private"})
            table = route_table(self, f"private_{i}_routes", vpc_id=vpc_id,
                                tags={"Name": f"{props.name}-private-{zone}"})
            route(self, f"private_{i}_default", route_table_id=table.id,
                  destination_cidr_block="0.0.0.0/0", nat_gateway_id=nats[-1].id)
            association(self, f"private_{i}_association", subnet_id=private.id,
                        route_table_id=table.id)
            private_ids.append(private.id)
            table_ids.append(table.id)
        isolated_ids, isolated_tables = [], []
        for i, (zone, block) in enumerate(zip(props.availability_zones, props.isolated_cidrs)):
            isolated = subnet(self, f"isolated_{i}", vpc_id=vpc_id, cidr_block=block,
                              availability_zone=zone, map_public_ip_on_launch=False,
                              tags={"Name": f"{props.name}-isolated-{zone}", "Tier": "isolated"})
            # Only the implicit local route: nothing here reaches or is reached from outside.
            table = route_table(self, f"isolated_{i}_routes", vpc_id=vpc_id,
                                tags={"Name": f"{props.name}-isolated-{zone}"})
            association(self, f"isolated_{i}_association", subnet_id=isolated.id,
                        route_table_id=table.id)
            isolated_ids.append(isolated.id)
            isolated_tables.append(table.id)
        self.vpc_id: str = vpc_id
        self.isolated_subnet_ids: tuple[str, ...] = tuple(isolated_ids)
        self.isolated_route_table_ids: tuple[str, ...] = tuple(isolated_tables)
        self.cidr: str = props.cidr
        self.private_subnet_ids: tuple[str, ...] = tuple(private_ids)
        self.public_subnet_ids: tuple[str, ...] = tuple(public_ids)
        self.private_route_table_ids: tuple[str, ...] = tuple(table_ids)
        self.nat_gateways = tuple(nats)
