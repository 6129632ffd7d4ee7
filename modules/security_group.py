"""A VPC security group that starts closed: no ingress, no egress (Terraform removes the
allow-all egress rule AWS adds to a new group).

Traffic is opened one port at a time with separate rule resources, so two groups can refer to
each other without a dependency cycle: `allow_from(source, port)` adds the ingress rule on this
group and the matching egress rule on the source group, `allow_egress_to(cidr, port)` opens one
outbound port to an address block.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module


@dataclass(frozen=True)
class SecurityGroupProps:
    name: str
    description: str
    vpc_id: str


class SecurityGroup(Construct):
    """Exposes `security_group` (the L1 resource), `group_id`, `allow_from(...)`,
    `allow_egress_to(...)` and the one-sided `allow_ingress_from_*` / `allow_all_egress_to`."""

    def __init__(self, scope: Construct, construct_id: str, props: SecurityGroupProps) -> None:
        super().__init__(scope, construct_id)
        self.security_group = provider_module("security_group").SecurityGroup(
            self, "group", name=props.name, description=props.description, vpc_id=props.vpc_id,
            tags={"Name": props.name},
        )
        self.group_id: str = self.security_group.id

    def allow_from(self, source: "SecurityGroup", port: int, description: str) -> None:
        """TCP `port` from `source` to this group: ingress here, egress on `source`."""
        rules = provider_module("vpc_security_group_ingress_rule")
        rules.VpcSecurityGroupIngressRule(
            self, f"in_{port}_{source.node.id}", security_group_id=self.group_id,
            referenced_security_group_id=source.group_id, ip_protocol="tcp",
            from_port=port, to_port=port, description=description)
        provider_module("vpc_security_group_egress_rule").VpcSecurityGroupEgressRule(
            source, f"out_{port}_{self.node.id}", security_group_id=source.group_id,
            referenced_security_group_id=self.group_id, ip_protocol="tcp",
            from_port=port, to_port=port, description=description)

    def allow_egress_to(self, cidr: str, port: int, description: str) -> None:
        """TCP `port` from this group to `cidr`."""
        provider_module("vpc_security_group_egress_rule").VpcSecurityGroupEgressRule(
            self, f"out_{port}_{cidr.replace('.', '_').replace('/', '_')}",
            security_group_id=self.group_id, cidr_ipv4=cidr, ip_protocol="tcp",
            from_port=port, to_port=port, description=description)

    def allow_ingress_from_group(self, source: "SecurityGroup", port: int,
                                 description: str) -> None:
        """TCP `port` from `source`, ingress only: for a source whose egress is already open
        (a specification that lists inbound rules group by group)."""
        provider_module("vpc_security_group_ingress_rule").VpcSecurityGroupIngressRule(
            self, f"in_{port}_{source.node.id}", security_group_id=self.group_id,
            referenced_security_group_id=source.group_id, ip_protocol="tcp",
            from_port=port, to_port=port, description=description)

    def allow_ingress_from_cidr(self, cidr: str, port: int, description: str):
        """TCP `port` from an address block; returns the rule (callers suppress on it)."""
        return provider_module("vpc_security_group_ingress_rule").VpcSecurityGroupIngressRule(
            self, f"in_{port}_{cidr.replace('.', '_').replace('/', '_')}",
            security_group_id=self.group_id, cidr_ipv4=cidr, ip_protocol="tcp",
            from_port=port, to_port=port, description=description)

    def allow_ingress_from_prefix_list(self, prefix_list_id: str, port: int,
                                       description: str):
        """TCP `port` from a managed prefix list (e.g. CloudFront's origin-facing servers)."""
        return provider_module("vpc_security_group_ingress_rule").VpcSecurityGroupIngressRule(
            self, f"in_{port}_{prefix_list_id.replace('-', '_')}",
            security_group_id=self.group_id, prefix_list_id=prefix_list_id, ip_protocol="tcp",
            from_port=port, to_port=port, description=description)

    def allow_all_egress_to(self, cidr: str, description: str):
        """Every protocol and port to `cidr`; returns the rule (callers suppress on it)."""
        return provider_module("vpc_security_group_egress_rule").VpcSecurityGroupEgressRule(
            self, f"out_all_{cidr.replace('.', '_').replace('/', '_')}",
            security_group_id=self.group_id, cidr_ipv4=cidr, ip_protocol="-1",
            description=description)

    def allow_egress_to_group(self, target: "SecurityGroup", port: int, description: str) -> None:
        """TCP `port` from this group to `target`, egress only (the target's ingress is its own
        rule)."""
        provider_module("vpc_security_group_egress_rule").VpcSecurityGroupEgressRule(
            self, f"out_{port}_{target.node.id}", security_group_id=self.group_id,
            referenced_security_group_id=target.group_id, ip_protocol="tcp",
            from_port=port, to_port=port, description=description)
