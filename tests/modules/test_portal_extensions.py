"""Additive options the portal needs from existing modules, each alone: explicit VPC subnet
tiers with isolated database subnets, one-sided security group rules, provisioned Aurora with
instance parameters and a maintenance window, and a user pool with required attributes,
OAuth client settings and a hosted-UI domain. The defaults are covered by each module's own
test file."""

from __future__ import annotations

import pytest

from modules.aurora_cluster import (AuroraCapacity, AuroraCluster, AuroraClusterProps,
                                    AuroraProtection)
from modules.security_group import SecurityGroup, SecurityGroupProps
from modules.user_pool import OAuthClient, UserPool, UserPoolProps
from modules.vpc import Vpc, VpcProps
from tests.conftest import one, resources, synth_construct

ZONES = ("us-east-1a", "us-east-1b")
TIERS = dict(public_cidrs=("10.0.0.0/24", "10.0.1.0/24"),
             private_cidrs=("10.0.2.0/24", "10.0.3.0/24"),
             isolated_cidrs=("10.0.4.0/24", "10.0.5.0/24"))


def test_vpc_with_named_tiers_and_isolated_subnets():
    stack = synth_construct(lambda s: Vpc(s, "net", VpcProps(
        name="t", cidr="10.0.0.0/16", availability_zones=ZONES, **TIERS)))
    subnets = {s["cidr_block"]: s["tags"]["Tier"] for s in resources(stack, "aws_subnet").values()}
    assert subnets == {"10.0.0.0/24": "public", "10.0.1.0/24": "public",
                       "10.0.2.0/24": "private", "10.0.3.0/24": "private",
                       "10.0.4.0/24": "isolated", "10.0.5.0/24": "isolated"}
    # 1 public default route + 2 private NAT routes; the isolated tables have none.
    assert len(resources(stack, "aws_route")) == 3
    assert len(resources(stack, "aws_route_table")) == 5


@pytest.mark.parametrize("change,message", [
    (dict(public_cidrs=("10.0.0.0/24", "10.0.1.0/24")), "together"),
    ({**TIERS, "isolated_cidrs": ("10.0.4.0/24",)}, "one block per zone"),
    ({**TIERS, "isolated_cidrs": ("10.1.4.0/24", "10.0.5.0/24")}, "outside"),
    ({**TIERS, "isolated_cidrs": ("10.0.0.0/24", "10.0.5.0/24")}, "distinct"),
])
def test_vpc_tier_mistakes_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        VpcProps(name="t", cidr="10.0.0.0/16", availability_zones=ZONES, **change)


def test_one_sided_security_group_rules():
    def add(stack):
        a = SecurityGroup(stack, "a", SecurityGroupProps("a", "a", "vpc"))
        b = SecurityGroup(stack, "b", SecurityGroupProps("b", "b", "vpc"))
        a.allow_ingress_from_group(b, 8000, "from b")
        a.allow_ingress_from_cidr("0.0.0.0/0", 443, "web")
        a.allow_ingress_from_prefix_list("pl-3b927c52", 443, "cdn")
        a.allow_all_egress_to("10.0.0.0/16", "vpc")
        b.allow_egress_to_group(a, 5432, "to a")
    stack = synth_construct(add)
    ingress = list(resources(stack, "aws_vpc_security_group_ingress_rule").values())
    egress = list(resources(stack, "aws_vpc_security_group_egress_rule").values())
    assert len(ingress) == 3 and len(egress) == 2  # no mirrored egress for ingress_from_group
    assert {r.get("prefix_list_id") for r in ingress} == {None, "pl-3b927c52"}
    assert {(r["ip_protocol"], r.get("cidr_ipv4")) for r in egress} == {
        ("-1", "10.0.0.0/16"), ("tcp", None)}


def test_provisioned_aurora_with_instance_parameters():
    stack = synth_construct(lambda s: AuroraCluster(s, "db", AuroraClusterProps(
        cluster_identifier="t-db", engine_version="15.4", database_name="app",
        subnet_ids=("s1", "s2"), security_group_ids=("sg",), availability_zones=ZONES,
        kms_key_arn="k", secret_kms_key_arn="k", monitoring_role_name="t-mon",
        account_id="111122223333", region="us-east-1", instance_class="db.t4g.medium",
        instance_parameters=(("max_connections", "200"),),
        capacity=AuroraCapacity(readers=0),
        protection=AuroraProtection(maintenance_window="sun:05:00-sun:06:00"))))
    cluster = one(stack, "aws_rds_cluster")
    assert "serverlessv2_scaling_configuration" not in cluster
    assert cluster["preferred_maintenance_window"] == "sun:05:00-sun:06:00"
    instance = one(stack, "aws_rds_cluster_instance")
    assert instance["instance_class"] == "db.t4g.medium"
    assert instance["db_parameter_group_name"].startswith("${aws_db_parameter_group.")
    group = one(stack, "aws_db_parameter_group")
    assert group["family"] == "aurora-postgresql15"
    assert group["parameter"] == [{"name": "max_connections", "value": "200",
                                   "apply_method": "pending-reboot"}]


def test_user_pool_with_oauth_client_domain_and_required_attributes():
    stack = synth_construct(lambda s: UserPool(s, "users", UserPoolProps(
        pool_name="t-users", client_name="web", account_id="111122223333", region="us-east-1",
        mfa="OFF", threat_protection="AUDIT", required_attributes=("email", "given_name"),
        auth_flows=("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
        oauth=OAuthClient(callback_urls=("https://a/callback",),
                          logout_urls=("https://a/logout",)),
        domain_prefix="t-auth")))
    pool = one(stack, "aws_cognito_user_pool")
    assert {s["name"] for s in pool["schema"] if s["required"]} == {"email", "given_name"}
    client = one(stack, "aws_cognito_user_pool_client")
    assert client["allowed_oauth_flows_user_pool_client"] is True
    assert client["allowed_oauth_flows"] == ["code"]
    assert client["supported_identity_providers"] == ["COGNITO"]
    assert client["callback_urls"] == ["https://a/callback"]
    assert "given_name" in client["read_attributes"]
    assert one(stack, "aws_cognito_user_pool_domain")["domain"] == "t-auth"
