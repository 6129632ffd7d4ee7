"""Phase 3 network: the VPC the specification needs and never describes.

Aurora and Redis live only in private subnets, so the Lambdas that use them must run there
too; the same subnets reach the PF360 API through NAT. What runs where:

- private subnets (one per zone): Aurora, Redis, the interface endpoints, and the Lambdas that
  reach them or PF360 (see `functions.VPC_REACH`);
- public subnets: the NAT gateways only (no public addresses on launch, nothing else);
- gateway endpoints for S3 and DynamoDB (free), interface endpoints with private DNS for the
  AWS APIs the VPC Lambdas call (`network.interface_endpoints`); other AWS calls leave through
  the NAT;
- security groups: the Lambdas' group may send HTTPS anywhere (PF360, AWS APIs) and, rule by
  rule, 5432 to the database's group and 6379 to the cache's; the endpoint, database and cache
  groups accept only those ports from the Lambdas' group; the default group has no rules;
- flow logs of all traffic to an encrypted log group with its own role.

The Lambdas are created before this file's callers finish, so `register_reach` records, per
stack, what a Lambda placed in the VPC gets (subnets, groups, grants, environment), and
`functions.lambda_function` reads it with `reach_of`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.flow_logs import FlowLogs, FlowLogsProps
from modules.policy import Statement
from modules.security_group import SecurityGroup, SecurityGroupProps
from modules.stacks.system_stack import SystemStack
from modules.vpc import Vpc, VpcProps
from modules.vpc_endpoints import VpcEndpoints, VpcEndpointsProps
from systems.scheduling.data import Data
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse


@dataclass(frozen=True)
class Network:
    vpc: Vpc
    #: Full zone names, in settings order.
    zones: tuple[str, ...]
    #: The group of every Lambda placed in the VPC.
    functions: SecurityGroup
    endpoints: VpcEndpoints

    @property
    def subnet_ids(self) -> tuple[str, ...]:
        return self.vpc.private_subnet_ids


@dataclass(frozen=True)
class Reach:
    """What a Lambda placed in the VPC gets for each thing it reaches ("pf360", "database",
    "cache"): IAM statements and environment variables."""

    network: Network
    statements: dict[str, tuple[Statement, ...]] = field(default_factory=dict)
    environment: dict[str, dict[str, str]] = field(default_factory=dict)


# Keyed by id(stack); the stack is kept in the value so its id is never reused.
_REACH: dict[int, tuple[SystemStack, Reach]] = {}


def register_reach(stack: SystemStack, reach: Reach) -> None:
    _REACH[id(stack)] = (stack, reach)


def reach_of(stack: SystemStack) -> Reach | None:
    """The stack's phase-3 network reach; None before phase 3 (Lambdas stay outside a VPC)."""
    entry = _REACH.get(id(stack))
    return entry[1] if entry and entry[0] is stack else None


def build_network(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
                  data: Data) -> Network:
    env, config = stack.env, settings.network
    zones = tuple(f"{env.region}{letter}" for letter in config.availability_zones)
    vpc = Vpc(stack, "network", VpcProps(
        name=names.vpc(), cidr=config.cidr, availability_zones=zones,
        nat_per_zone=config.nat_gateways == "per_zone"))
    flow_logs = FlowLogs(stack, "flow_logs", FlowLogsProps(
        vpc_id=vpc.vpc_id, log_group_name=names.flow_log_group(), role_name=names.flow_log_role(),
        account_id=env.account_id, region=env.region, kms_key_arn=data.key_arn,
        retention_days=config.flow_log_retention_days, traffic_type=config.flow_log_traffic))
    if data.key_arn is None:
        excuse([flow_logs.log_group], ("CKV_AWS_158",), NO_CUSTOMER_KEY)

    functions = SecurityGroup(stack, "sg_functions", SecurityGroupProps(
        name=names.security_group("functions"), vpc_id=vpc.vpc_id,
        description="Scheduling Lambdas in the VPC: HTTPS out, database and cache by rule"))
    # PF360 has no fixed addresses, so HTTPS is open to any destination; the NAT is the only
    # way out and flow logs record every connection.
    functions.allow_egress_to("0.0.0.0/0", 443, "HTTPS to PF360 (NAT) and AWS API endpoints")
    endpoint_group = SecurityGroup(stack, "sg_endpoints", SecurityGroupProps(
        name=names.security_group("endpoints"), vpc_id=vpc.vpc_id,
        description="Interface endpoints: HTTPS from the scheduling Lambdas only"))
    endpoint_group.allow_from(functions, 443, "HTTPS from the scheduling Lambdas")
    endpoints = VpcEndpoints(stack, "endpoints", VpcEndpointsProps(
        vpc_id=vpc.vpc_id, region=env.region, route_table_ids=vpc.private_route_table_ids,
        subnet_ids=vpc.private_subnet_ids, security_group_ids=(endpoint_group.group_id,),
        interface_services=config.interface_endpoints))
    return Network(vpc=vpc, zones=zones, functions=functions, endpoints=endpoints)
