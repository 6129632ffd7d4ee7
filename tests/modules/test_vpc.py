"""modules/vpc.py alone: subnet carving, NAT per setting, no public addresses, closed default
group; with modules/vpc_endpoints.py, modules/flow_logs.py and modules/security_group.py."""

from __future__ import annotations

import pytest

from modules.flow_logs import FlowLogs, FlowLogsProps
from modules.security_group import SecurityGroup, SecurityGroupProps
from modules.vpc import Vpc, VpcProps, subnet_cidrs
from modules.vpc_endpoints import VpcEndpoints, VpcEndpointsProps
from tests.conftest import one, resources, statements_of, synth_construct, trust_of

ACCOUNT, REGION = "111122223333", "eu-west-1"
ZONES = ("eu-west-1a", "eu-west-1b", "eu-west-1c")


def test_subnet_carving():
    private, public = subnet_cidrs("10.0.0.0/16", 3)
    assert private == ("10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19")
    assert public == ("10.0.224.0/22", "10.0.228.0/22", "10.0.232.0/22")
    private, public = subnet_cidrs("10.1.4.0/22", 4)
    assert private[-1] == "10.1.5.128/25" and public == (
        "10.1.7.128/28", "10.1.7.144/28", "10.1.7.160/28", "10.1.7.176/28")
    with pytest.raises(ValueError):
        subnet_cidrs("10.0.0.0/24", 2)
    with pytest.raises(ValueError):
        subnet_cidrs("10.0.0.0/16", 5)


def network(nat_per_zone: bool) -> dict:
    def add(stack):
        vpc = Vpc(stack, "net", VpcProps(name="t-vpc", cidr="10.0.0.0/16",
                                         availability_zones=ZONES, nat_per_zone=nat_per_zone))
        lambdas = SecurityGroup(stack, "fn", SecurityGroupProps("t-fn", "functions", vpc.vpc_id))
        lambdas.allow_egress_to("0.0.0.0/0", 443, "https")
        endpoints = SecurityGroup(stack, "ep", SecurityGroupProps("t-ep", "endpoints", vpc.vpc_id))
        endpoints.allow_from(lambdas, 443, "https from functions")
        VpcEndpoints(stack, "endpoints", VpcEndpointsProps(
            vpc_id=vpc.vpc_id, region=REGION, route_table_ids=vpc.private_route_table_ids,
            subnet_ids=vpc.private_subnet_ids, security_group_ids=(endpoints.group_id,),
            interface_services=("ssm",)))
        FlowLogs(stack, "flow", FlowLogsProps(
            vpc_id=vpc.vpc_id, log_group_name="/t/flow", role_name="t-flow", account_id=ACCOUNT,
            region=REGION, kms_key_arn="arn:aws:kms:eu-west-1:111122223333:key/k"))
    return synth_construct(add)


@pytest.fixture(scope="module")
def single():
    return network(False)


def test_single_nat_serves_every_private_route_table(single):
    assert len(resources(single, "aws_nat_gateway")) == 1 == len(resources(single, "aws_eip"))
    routes = [r for r in resources(single, "aws_route").values() if "nat_gateway_id" in r]
    assert len(routes) == 3 and len({r["nat_gateway_id"] for r in routes}) == 1
    public = [r for r in resources(single, "aws_route").values() if "gateway_id" in r]
    assert len(public) == 1 and public[0]["destination_cidr_block"] == "0.0.0.0/0"


def test_nat_per_zone():
    per_zone = network(True)
    assert len(resources(per_zone, "aws_nat_gateway")) == 3
    routes = [r for r in resources(per_zone, "aws_route").values() if "nat_gateway_id" in r]
    assert len({r["nat_gateway_id"] for r in routes}) == 3


def test_subnets_never_assign_public_addresses_and_dns_is_on(single):
    subnets = resources(single, "aws_subnet").values()
    assert len(subnets) == 6 and not any(s["map_public_ip_on_launch"] for s in subnets)
    assert sorted(s["availability_zone"] for s in subnets) == sorted(ZONES * 2)
    vpc = one(single, "aws_vpc")
    assert vpc["enable_dns_hostnames"] is True and vpc["enable_dns_support"] is True
    group = one(single, "aws_default_security_group")
    assert "ingress" not in group and "egress" not in group


def test_security_group_rules_come_in_pairs_between_groups(single):
    (ingress,) = resources(single, "aws_vpc_security_group_ingress_rule").values()
    egress = list(resources(single, "aws_vpc_security_group_egress_rule").values())
    assert ingress["from_port"] == ingress["to_port"] == 443
    paired = [e for e in egress if "referenced_security_group_id" in e]
    assert len(paired) == 1
    assert paired[0]["security_group_id"] == ingress["referenced_security_group_id"]
    assert paired[0]["referenced_security_group_id"] == ingress["security_group_id"]
    assert [e["cidr_ipv4"] for e in egress if "cidr_ipv4" in e] == ["0.0.0.0/0"]
    for group in resources(single, "aws_security_group").values():
        assert "ingress" not in group and "egress" not in group and group["description"]


def test_endpoints(single):
    endpoints = {e["service_name"]: e for e in resources(single, "aws_vpc_endpoint").values()}
    assert endpoints["com.amazonaws.eu-west-1.s3"]["vpc_endpoint_type"] == "Gateway"
    assert endpoints["com.amazonaws.eu-west-1.dynamodb"]["vpc_endpoint_type"] == "Gateway"
    ssm = endpoints["com.amazonaws.eu-west-1.ssm"]
    assert ssm["vpc_endpoint_type"] == "Interface" and ssm["private_dns_enabled"] is True
    assert len(ssm["subnet_ids"]) == 3


def test_flow_logs_role_writes_only_its_log_group(single):
    flow = one(single, "aws_flow_log")
    assert flow["traffic_type"] == "ALL" and flow["iam_role_arn"]
    group = one(single, "aws_cloudwatch_log_group")
    assert group["kms_key_id"].endswith(":key/k") and group["retention_in_days"] == 365
    trust = trust_of(single, "t-flow")
    assert {"test": "ArnLike", "variable": "aws:SourceArn",
            "values": [f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/*"]} in trust["condition"]
    statements = statements_of(single, "t-flow")
    write = statements["WriteOwnLogGroup"]
    assert all(r.startswith("${aws_cloudwatch_log_group.") for r in write["resources"])
    assert "logs:CreateLogGroup" not in {a for s in statements.values() for a in s["actions"]}
