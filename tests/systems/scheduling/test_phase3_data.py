"""Phase 3 keys, network, Aurora and Redis as synthesized for staging at `phase = "3"`: the
specification's facts that Terraform can express, the network it leaves out, and the VPC
placement and grants of the Lambdas that reach the data stores or PF360."""

from __future__ import annotations

import pytest

from systems.scheduling.functions import VPC_REACH
from tests.conftest import one, policy_statements, resources, statements_of, trust_of
from tests.systems.scheduling.conftest import environment, load_stack, synth_scheduling

ENV, REGION, ACCOUNT = "staging", "us-east-1", "618048437522"
ZONES = [f"{REGION}{z}" for z in "abc"]
PHASE3 = {"systems": {"scheduling": {"phase": "3"}}}


@pytest.fixture(scope="module")
def stack(phase3_stack):
    return phase3_stack


def address(resource_type: str, logical: str, attribute: str = "id") -> str:
    return f"${{{resource_type}.{logical}.{attribute}}}"


def named(stack: dict, resource_type: str, attribute: str) -> dict[str, tuple[str, dict]]:
    return {r[attribute]: (key, r) for key, r in resources(stack, resource_type).items()}


def group_id(stack: dict, name: str) -> str:
    key, _ = named(stack, "aws_security_group", "name")[name]
    return address("aws_security_group", key)


def subnets(stack: dict, tier: str) -> dict[str, dict]:
    return {address("aws_subnet", key): s for key, s in resources(stack, "aws_subnet").items()
            if s["tags"]["Tier"] == tier}


# -- keys ------------------------------------------------------------------------------------
def test_three_purpose_keys_with_rotation_and_service_scoped_policies(stack):
    aliases = named(stack, "aws_kms_alias", "name")
    services = {"rds": ["rds", "elasticache"], "s3": ["s3"], "secrets": ["secretsmanager"]}
    for purpose, endpoints in services.items():
        _, alias = aliases[f"alias/pf-{purpose}-encryption-{ENV}"]
        key_id = alias["target_key_id"].split(".")[1]
        key = resources(stack, "aws_kms_key")[key_id]
        assert key["enable_key_rotation"] is True
        statements = {s["sid"]: s for s in policy_statements(stack, key["policy"])}
        use = statements["UseOnlyThroughItsService"]
        via = next(c for c in use["condition"] if c["variable"] == "kms:ViaService")
        assert via["values"] == [f"{e}.{REGION}.amazonaws.com" for e in endpoints]
        guard = statements["GrantsOnlyForAwsResources"]
        assert guard["effect"] == "Deny" and guard["actions"] == ["kms:CreateGrant"]
    # The phase-1 environment key stays.
    assert f"alias/pf-agents-{ENV}" in aliases


# -- network ---------------------------------------------------------------------------------
def test_vpc_with_private_and_public_subnets_over_three_zones(stack):
    vpc = one(stack, "aws_vpc")
    assert vpc["cidr_block"] == "10.40.0.0/16"
    assert vpc["enable_dns_support"] is True and vpc["enable_dns_hostnames"] is True
    for tier in ("private", "public"):
        found = subnets(stack, tier)
        assert sorted(s["availability_zone"] for s in found.values()) == ZONES
        assert not any(s["map_public_ip_on_launch"] for s in found.values())


def test_one_nat_by_default_in_a_public_subnet_and_every_private_route_uses_it(stack):
    nat_key, nat = next(iter(resources(stack, "aws_nat_gateway").items()))
    assert len(resources(stack, "aws_nat_gateway")) == 1 == len(resources(stack, "aws_eip"))
    assert nat["subnet_id"] in subnets(stack, "public")
    private_routes = [r for r in resources(stack, "aws_route").values() if "nat_gateway_id" in r]
    assert len(private_routes) == 3
    assert {r["nat_gateway_id"] for r in private_routes} == {address("aws_nat_gateway", nat_key)}


def test_default_security_group_has_no_rules(stack):
    group = one(stack, "aws_default_security_group")
    assert "ingress" not in group and "egress" not in group


def test_gateway_and_interface_endpoints_with_private_dns(stack):
    endpoints = {e["service_name"].rsplit(".", 1)[1]: e
                 for e in resources(stack, "aws_vpc_endpoint").values()}
    for service in ("s3", "dynamodb"):
        assert endpoints[service]["vpc_endpoint_type"] == "Gateway"
        assert len(endpoints[service]["route_table_ids"]) == 3
    interface = {k: e for k, e in endpoints.items() if e["vpc_endpoint_type"] == "Interface"}
    assert set(interface) == {"bedrock-agent-runtime", "bedrock-runtime", "secretsmanager", "ssm",
                              "monitoring"}
    endpoint_group = group_id(stack, f"pf-endpoints-sg-{ENV}")
    for endpoint in interface.values():
        assert endpoint["private_dns_enabled"] is True
        assert set(endpoint["subnet_ids"]) == set(subnets(stack, "private"))
        assert endpoint["security_group_ids"] == [endpoint_group]


def test_flow_logs_of_all_traffic_to_an_encrypted_log_group_with_their_own_role(stack):
    flow = one(stack, "aws_flow_log")
    assert flow["traffic_type"] == "ALL" and flow["log_destination_type"] == "cloud-watch-logs"
    groups = named(stack, "aws_cloudwatch_log_group", "name")
    key, group = groups[f"/aws/vpc/pf-scheduling-vpc-{ENV}/flow-logs"]
    assert flow["log_destination"] == address("aws_cloudwatch_log_group", key, "arn")
    assert group["kms_key_id"] and group["retention_in_days"] == 365
    trust = trust_of(stack, f"pf-vpc-flow-logs-role-{ENV}")
    assert trust["principals"][0]["identifiers"] == ["vpc-flow-logs.amazonaws.com"]
    assert {c["variable"] for c in trust["condition"]} == {"aws:SourceAccount", "aws:SourceArn"}


def ingress(stack: dict, group_name: str) -> list[dict]:
    target = group_id(stack, group_name)
    return [r for r in resources(stack, "aws_vpc_security_group_ingress_rule").values()
            if r["security_group_id"] == target]


@pytest.mark.parametrize("group_name, port", [
    (f"pf-analytics-db-sg-{ENV}", 5432), (f"pf-session-cache-sg-{ENV}", 6379),
    (f"pf-endpoints-sg-{ENV}", 443)])
def test_data_groups_accept_one_port_from_the_lambda_group_only(stack, group_name, port):
    (rule,) = ingress(stack, group_name)
    assert rule["from_port"] == rule["to_port"] == port and rule["ip_protocol"] == "tcp"
    assert rule["referenced_security_group_id"] == group_id(stack, f"pf-functions-sg-{ENV}")
    assert "cidr_ipv4" not in rule


def test_lambda_group_sends_only_https_and_the_two_data_ports(stack):
    functions = group_id(stack, f"pf-functions-sg-{ENV}")
    egress = [r for r in resources(stack, "aws_vpc_security_group_egress_rule").values()
              if r["security_group_id"] == functions]
    assert sorted(r["from_port"] for r in egress) == [443, 443, 5432, 6379]
    assert [r["cidr_ipv4"] for r in egress if "cidr_ipv4" in r] == ["0.0.0.0/0"]
    assert not ingress(stack, f"pf-functions-sg-{ENV}")


# -- Aurora ----------------------------------------------------------------------------------
def test_aurora_serverless_v2_postgresql_15_with_the_specifications_features(stack):
    cluster = one(stack, "aws_rds_cluster")
    assert cluster["cluster_identifier"] == f"pf-analytics-db-{ENV}"
    assert cluster["engine"] == "aurora-postgresql" and cluster["engine_version"].startswith("15.")
    assert cluster["serverlessv2_scaling_configuration"] == {"min_capacity": 0.5,
                                                             "max_capacity": 4}
    assert cluster["backup_retention_period"] == 7
    assert cluster["storage_encrypted"] is True
    assert cluster["iam_database_authentication_enabled"] is True
    assert cluster["manage_master_user_password"] is True and "master_password" not in cluster
    assert cluster["copy_tags_to_snapshot"] is True and cluster["skip_final_snapshot"] is False
    assert cluster["deletion_protection"] is False  # a setting; staging leaves it off
    assert cluster["enabled_cloudwatch_logs_exports"] == ["postgresql"]
    assert cluster["vpc_security_group_ids"] == [group_id(stack, f"pf-analytics-db-sg-{ENV}")]
    keys = {a["name"]: a["target_key_id"].replace(".key_id", ".arn")
            for a in resources(stack, "aws_kms_alias").values()}
    assert cluster["kms_key_id"] == keys[f"alias/pf-rds-encryption-{ENV}"]
    assert cluster["master_user_secret_kms_key_id"] == keys[f"alias/pf-secrets-encryption-{ENV}"]
    group = one(stack, "aws_db_subnet_group")
    assert set(group["subnet_ids"]) == set(subnets(stack, "private"))
    parameters = {p["name"]: p["value"] for p in one(stack, "aws_rds_cluster_parameter_group")["parameter"]}
    assert parameters["rds.force_ssl"] == "1"


def test_a_writer_and_a_reader_in_different_zones_with_insights_and_monitoring(stack):
    instances = list(resources(stack, "aws_rds_cluster_instance").values())
    assert len(instances) == 2
    assert [i["availability_zone"] for i in instances] == ZONES[:2]
    for instance in instances:
        assert instance["instance_class"] == "db.serverless"
        assert instance["publicly_accessible"] is False
        assert instance["performance_insights_enabled"] is True
        assert instance["performance_insights_kms_key_id"]
        assert instance["auto_minor_version_upgrade"] is True
        assert instance["monitoring_interval"] == 60 and instance["monitoring_role_arn"]
    trust = trust_of(stack, f"pf-analytics-db-monitoring-role-{ENV}")
    assert trust["principals"][0]["identifiers"] == ["monitoring.rds.amazonaws.com"]


def test_the_rds_managed_master_secret_rotates_every_30_days(stack):
    rotation = one(stack, "aws_secretsmanager_secret_rotation")
    assert rotation["rotation_rules"] == {"automatically_after_days": 30}
    assert "master_user_secret" in rotation["secret_id"] and "rotation_lambda_arn" not in rotation


def test_single_az_setting_drops_the_reader(tmp_path):
    stack = load_stack(synth_scheduling(tmp_path, ENV, {"systems": {"scheduling": {
        "phase": "3", "database": {"multi_az": False, "deletion_protection": True},
        "network": {"nat_gateways": "per_zone"}}}}))
    assert len(resources(stack, "aws_rds_cluster_instance")) == 1
    assert one(stack, "aws_rds_cluster")["deletion_protection"] is True
    assert len(resources(stack, "aws_nat_gateway")) == 3


# -- Redis -----------------------------------------------------------------------------------
def test_redis_7_primary_and_replica_with_failover_tls_kms_and_iam_auth(stack):
    group = one(stack, "aws_elasticache_replication_group")
    assert group["replication_group_id"] == f"pf-session-cache-{ENV}"
    assert group["engine"] == "redis" and group["engine_version"].startswith("7.")
    assert group["node_type"] == "cache.t4g.micro" and group["num_cache_clusters"] == 2
    assert group["automatic_failover_enabled"] is True and group["multi_az_enabled"] is True
    assert group["preferred_cache_cluster_azs"] == ZONES[:2]
    assert group["transit_encryption_enabled"] is True
    assert group["transit_encryption_mode"] == "required"
    assert group["at_rest_encryption_enabled"] == "true" and group["kms_key_id"]
    assert "auth_token" not in group
    assert group["snapshot_retention_limit"] == 7
    assert group["security_group_ids"] == [group_id(stack, f"pf-session-cache-sg-{ENV}")]
    assert {c["log_type"] for c in group["log_delivery_configuration"]} == {"slow-log", "engine-log"}
    users = {u["user_name"]: u for u in resources(stack, "aws_elasticache_user").values()}
    assert users["default"]["access_string"].startswith("off")
    app = users[f"pf-session-app-{ENV}"]
    assert app["authentication_mode"] == {"type": "iam"} and app["user_id"] == app["user_name"]
    assert "-@dangerous" in app["access_string"]


# -- Lambdas in the VPC ----------------------------------------------------------------------
def lambdas(stack: dict) -> dict[str, dict]:
    return {f["function_name"]: f for f in resources(stack, "aws_lambda_function").values()}


def test_lambdas_that_reach_data_stores_or_pf360_run_in_the_private_subnets(stack):
    functions = lambdas(stack)
    placed = {f"pf-chat-api-{ENV}", f"pf-daily-metrics-{ENV}", f"pf-refresh-cache-{ENV}",
              *(f"pf-{g}-actions-{ENV}" for g in ("scheduling", "information", "notes"))}
    assert set(VPC_REACH) == {"function_chat_api", "function_daily_metrics",
                              "function_refresh_cache"}
    lambda_group = group_id(stack, f"pf-functions-sg-{ENV}")
    for name in placed:
        config = functions[name]["vpc_config"]
        assert set(config["subnet_ids"]) == set(subnets(stack, "private")), name
        assert config["security_group_ids"] == [lambda_group], name
        assert "ManageOwnNetworkInterfaces" in statements_of(stack, _role(stack, name)), name
    assert "vpc_config" not in functions[f"pf-cleanup-sessions-{ENV}"]


def _role(stack: dict, function_name: str) -> str:
    function = lambdas(stack)[function_name]
    role_key = function["role"].split(".")[1]
    return resources(stack, "aws_iam_role")[role_key]["name"]


def test_grants_and_endpoints_follow_what_each_lambda_reaches(stack):
    chat = statements_of(stack, _role(stack, f"pf-chat-api-{ENV}"))
    metrics = statements_of(stack, _role(stack, f"pf-daily-metrics-{ENV}"))
    refresh = statements_of(stack, _role(stack, f"pf-refresh-cache-{ENV}"))
    connect = chat["ConnectAnalyticsDb"]
    assert connect["actions"] == ["rds-db:connect"]
    (db_user,) = connect["resources"]
    assert db_user.startswith(f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:${{aws_rds_cluster.")
    assert db_user.endswith(".cluster_resource_id}/scheduling_app")
    cache = chat["ConnectSessionCache"]
    assert cache["actions"] == ["elasticache:Connect"]
    assert cache["resources"] == [
        f"arn:aws:elasticache:{REGION}:{ACCOUNT}:replicationgroup:pf-session-cache-{ENV}",
        f"arn:aws:elasticache:{REGION}:{ACCOUNT}:user:pf-session-app-{ENV}"]
    assert "ConnectAnalyticsDb" in metrics and "ConnectSessionCache" not in metrics
    assert not {"ConnectAnalyticsDb", "ConnectSessionCache"} & set(refresh)
    variables = lambdas(stack)[f"pf-chat-api-{ENV}"]["environment"]["variables"]
    assert variables["SESSION_CACHE_USER"] == f"pf-session-app-{ENV}"
    assert variables["ANALYTICS_DB_USER"] == "scheduling_app"
    assert "ANALYTICS_DB_ENDPOINT" in variables and "SESSION_CACHE_ENDPOINT" in variables
    assert not any("PASSWORD" in v or "TOKEN" in v for v in variables)


def test_phase3_names_pass_their_rules_and_are_listed(stack):
    from systems.scheduling import all_names

    config = environment(ENV, PHASE3)
    listed = {name for _, name in all_names(config, config.systems.scheduling)}
    for name in (f"alias/pf-rds-encryption-{ENV}", f"pf-analytics-db-{ENV}",
                 f"pf-session-cache-{ENV}", f"pf-vpc-flow-logs-role-{ENV}",
                 f"pf-analytics-db-monitoring-role-{ENV}"):
        assert name in listed, name


@pytest.mark.parametrize("overrides, field, words", [
    ({"network": {"cidr": "8.8.0.0/16"}}, "network.cidr", "private"),
    ({"network": {"cidr": "10.0.0.0/24"}}, "network.cidr", "/16 to /22"),
    ({"network": {"availability_zones": ["a", "a"]}}, "network.availability_zones", "distinct"),
    ({"network": {"availability_zones": ["a"]}}, "network.availability_zones", "at least 2"),
    ({"network": {"nat_gateways": "two"}}, "network.nat_gateways", "per_zone"),
    ({"network": {"interface_endpoints": ["ec2messages"]}}, "network.interface_endpoints", "ssm"),
    ({"database": {"min_capacity": 2, "max_capacity": 1}}, "database.max_capacity", "min_capacity"),
    ({"database": {"min_capacity": 0.7}}, "database.min_capacity", "multiple of 0.5"),
    ({"database": {"engine_version": "16.1"}}, "database.engine_version", "15"),
    ({"database": {"performance_insights_retention_days": 30}},
     "database.performance_insights_retention_days", "multiple of 31"),
    ({"cache": {"engine_version": "6.2"}}, "cache.engine_version", "7.0"),
    ({"cache": {"replicas": 0}}, "cache.replicas", "greater than or equal to 1"),
])
def test_bad_phase3_settings_give_one_line_naming_file_and_field(overrides, field, words):
    from modules.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        environment(ENV, {"systems": {"scheduling": {"phase": "3", **overrides}}})
    message = str(caught.value)
    assert "\n" not in message and "envs/staging.toml" in message
    assert f"systems.scheduling.{field}" in message and words in message, message
