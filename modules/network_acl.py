"""A network ACL for one tier of subnets: stateless rules as data (number, direction, action,
protocol, CIDR, port range), e.g. isolated subnets that talk only inside the VPC. Subnets not
given here keep the VPC's default ACL."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module

PROTOCOLS = {"tcp": "6", "udp": "17", "all": "-1"}


@dataclass(frozen=True)
class AclRule:
    number: int
    egress: bool
    action: str
    cidr: str
    protocol: str = "tcp"
    from_port: int = 0
    to_port: int = 65535

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 32766:
            raise ValueError(f"ACL rule number {self.number}: 1-32766")
        if self.action not in ("allow", "deny") or self.protocol not in PROTOCOLS:
            raise ValueError(f"ACL rule {self.number}: action allow/deny, protocol "
                             f"{'/'.join(PROTOCOLS)}")
        if not 0 <= self.from_port <= self.to_port <= 65535:
            raise ValueError(f"ACL rule {self.number}: ports 0-65535, from <= to")


@dataclass(frozen=True)
class NetworkAclProps:
    name: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    rules: tuple[AclRule, ...]

    def __post_init__(self) -> None:
        keys = [(r.number, r.egress) for r in self.rules]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.name}: rule numbers must be unique per direction")


class NetworkAcl(Construct):
    """Exposes `acl` (L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: NetworkAclProps) -> None:
        super().__init__(scope, construct_id)
        self.acl = provider_module("network_acl").NetworkAcl(
            self, "acl", vpc_id=props.vpc_id, subnet_ids=list(props.subnet_ids),
            tags={"Name": props.name})
        rule = provider_module("network_acl_rule").NetworkAclRule
        for item in props.rules:
            everything = item.protocol == "all"
            rule(self, f"{'out' if item.egress else 'in'}_{item.number}", network_acl_id=self.acl.id,
                 rule_number=item.number, egress=item.egress, protocol=PROTOCOLS[item.protocol],
                 rule_action=item.action, cidr_block=item.cidr,
                 from_port=None if everything else item.from_port,
                 to_port=None if everything else item.to_port)
