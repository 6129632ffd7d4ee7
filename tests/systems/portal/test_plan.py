"""The portal's prod parts planned offline (the session's plans, tests/conftest.py) and gated
by checkov: every part only creates, the gate has no unexplained finding, and the
specification's checkable facts hold on planned values."""

from __future__ import annotations

import pytest

from modules.pipeline.run import StackRun
from systems.portal import PARTS

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def runs(pipeline_runs) -> dict[str, StackRun]:
    return {part: pipeline_runs[f"prod-portal-{part}"] for part in PARTS}


def after(run: StackRun, resource_type: str) -> list[dict]:
    return [c["change"]["after"] for c in run.plan["resource_changes"]
            if c["type"] == resource_type and c["mode"] == "managed"]


@pytest.mark.parametrize("part", PARTS)
def test_each_part_plans_and_passes_the_gate(runs, part):
    run = runs[part]
    assert run.error is None, run.error
    actions = {tuple(c["change"]["actions"]) for c in run.plan["resource_changes"]
               if c["mode"] == "managed"}
    assert actions == {("create",)}
    assert not run.gate.failed, [(f.check_id, f.resource) for f in run.gate.failed]
    assert not run.gate.unused, run.gate.unused
    suppressed = {s.check_id for _, s in run.gate.suppressed}
    # Encryption at rest is never excused.
    assert not suppressed & {"CKV_AWS_158", "CKV_AWS_19", "CKV_AWS_27", "CKV_AWS_26",
                             "CKV_AWS_149", "CKV_AWS_136", "CKV_AWS_327"}


def test_planned_network(runs):
    network = runs["network"]
    (vpc,) = after(network, "aws_vpc")
    assert vpc["cidr_block"] == "10.0.0.0/16"
    assert sorted(s["cidr_block"] for s in after(network, "aws_subnet")) == sorted(
        f"10.0.{i}.0/24" for i in range(9))
    assert len(after(network, "aws_nat_gateway")) == 1
    services = sorted(e["service_name"] for e in after(network, "aws_vpc_endpoint"))
    assert services == sorted(f"com.amazonaws.us-east-1.{s}" for s in (
        "s3", "ecr.api", "ecr.dkr", "logs", "secretsmanager", "bedrock-runtime"))
    ports = {(r["from_port"], r.get("cidr_ipv4")) for r in
             after(network, "aws_vpc_security_group_ingress_rule")}
    assert (5432, None) in ports and (80, "0.0.0.0/0") in ports


def test_planned_databases_and_proxies(runs):
    database = runs["database"]
    for cluster in after(database, "aws_rds_cluster"):
        assert (cluster["engine_version"], cluster["backup_retention_period"],
                cluster["storage_encrypted"], cluster["iam_database_authentication_enabled"]) \
            == ("15.4", 7, True, True)
        assert cluster["preferred_maintenance_window"] == "sun:05:00-sun:06:00"
    assert {i["instance_class"] for i in after(database, "aws_rds_cluster_instance")} == {
        "db.t4g.medium"}
    for proxy in after(database, "aws_db_proxy"):
        assert (proxy["idle_client_timeout"], proxy["require_tls"]) == (1800, True)
        assert proxy["auth"][0]["iam_auth"] == "REQUIRED"
    for group in after(database, "aws_db_proxy_default_target_group"):
        pool = group["connection_pool_config"][0]
        assert (pool["max_connections_percent"], pool["connection_borrow_timeout"]) == (100, 120)


def test_planned_cognito(runs):
    auth = runs["auth"]
    (pool,) = after(auth, "aws_cognito_user_pool")
    assert pool["name"] == "genai-bootcamp-users" and pool["mfa_configuration"] == "OFF"
    policy = pool["password_policy"][0]
    assert policy["minimum_length"] == 8 and all(
        policy[k] for k in ("require_lowercase", "require_uppercase", "require_numbers",
                            "require_symbols"))
    (client,) = after(auth, "aws_cognito_user_pool_client")
    assert client["generate_secret"] is False
    assert (client["access_token_validity"], client["refresh_token_validity"]) == (60, 30)
    assert after(auth, "aws_cognito_user_pool_domain")[0]["domain"] == "genai-bootcamp"


def test_planned_storage_and_logs(runs):
    storage = runs["storage"]
    rules = {r["id"]: r for c in after(storage, "aws_s3_bucket_lifecycle_configuration")
             for r in c["rule"]}
    assert rules["log-retention"]["expiration"][0]["days"] == 365
    assert rules["backup-retention"]["expiration"][0]["days"] == 730
    assert rules["archive-old-content"]["transition"][0]["storage_class"] == \
        "INTELLIGENT_TIERING"
    logging = after(storage, "aws_s3_bucket_logging")
    assert {(l["target_bucket"], l["target_prefix"]) for l in logging} == {
        ("genai-bootcamp-logs", "s3-access-logs/")}
    retention = {g["retention_in_days"] for run in runs.values()
                 for g in after(run, "aws_cloudwatch_log_group")}
    assert retention == {7}


def test_planned_backend(runs):
    backend = runs["backend"]
    groups = after(backend, "aws_lb_target_group")
    assert sorted(g["port"] for g in groups) == [7860, 8000, 8000, 8501]
    for group in groups:
        check = group["health_check"][0]
        assert (check["interval"], check["timeout"], check["healthy_threshold"],
                check["unhealthy_threshold"]) == (30, 5, 2, 3)
    services = after(backend, "aws_ecs_service")
    assert len(services) == 5
    assert all(s["deployment_circuit_breaker"][0] == {"enable": True, "rollback": True}
               for s in services)
    (acl,) = after(backend, "aws_wafv2_web_acl")
    limits = [r["statement"][0]["rate_based_statement"][0]["limit"] for r in acl["rule"]
              if r["statement"][0]["rate_based_statement"]]
    assert limits == [2000]
