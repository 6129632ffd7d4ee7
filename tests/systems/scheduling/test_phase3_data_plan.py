"""Phase 3 keys, network, Aurora and Redis on staging's offline plan and the checkov gate:
planned values the specification fixes, and no unexplained finding on these resources."""

from __future__ import annotations

import pytest

from modules.pipeline.run import StackRun

pytestmark = pytest.mark.terraform

ENV = "staging"
# Construct ids of this part of phase 3 (logical ids start with them; the JSON scan names a
# resource `resource.<logical id>`, the plan scan `<type>.<logical id>`).
OWN_IDS = ("network_", "flow_logs_", "sg_", "endpoints_", "analytics_db_", "session_cache_",
           "kms_rds_", "kms_s3_", "kms_secrets_")


@pytest.fixture(scope="module")
def gated(phase3_run, phase3_gate):
    return phase3_run, phase3_gate


def after(run: StackRun, resource_type: str) -> list[dict]:
    return [c["change"]["after"] for c in run.plan["resource_changes"]
            if c["type"] == resource_type and c["change"]["actions"] == ["create"]]


def own(address: str) -> bool:
    return address.rsplit(".", 1)[-1].startswith(OWN_IDS)


def test_gate_has_no_unexplained_finding_on_keys_network_and_data_stores(gated):
    _, result = gated
    failed = [(f.check_id, f.resource) for f in result.failed if own(f.resource)]
    assert not failed, failed
    reasons = {(s.check_id, s.address.split(".")[0]): s.reason for _, s in result.suppressed}
    assert "database.deletion_protection = false" in reasons[("CKV_AWS_139", "aws_rds_cluster")]
    assert "automated backup" in reasons[("CKV2_AWS_8", "aws_rds_cluster")]
    assert not any(own(s.address) for s in result.unused), result.unused


def test_planned_aurora_and_redis_values(gated):
    run, _ = gated
    (cluster,) = after(run, "aws_rds_cluster")
    (scaling,) = cluster["serverlessv2_scaling_configuration"]
    assert scaling["min_capacity"] == 0.5 and scaling["max_capacity"] == 4
    assert cluster["engine_version"].startswith("15.") and cluster["backup_retention_period"] == 7
    assert cluster["storage_encrypted"] and cluster["iam_database_authentication_enabled"]
    assert len(after(run, "aws_rds_cluster_instance")) == 2
    (group,) = after(run, "aws_elasticache_replication_group")
    assert group["num_cache_clusters"] == 2 and group["node_type"] == "cache.t4g.micro"
    assert group["automatic_failover_enabled"] and group["transit_encryption_enabled"]
    (rotation,) = after(run, "aws_secretsmanager_secret_rotation")
    assert rotation["rotation_rules"][0]["automatically_after_days"] == 30


def test_planned_network(gated):
    run, _ = gated
    subnets = after(run, "aws_subnet")
    assert len(subnets) == 6 and len({s["availability_zone"] for s in subnets}) == 3
    assert len(after(run, "aws_nat_gateway")) == 1
    assert len(after(run, "aws_flow_log")) == 1
    endpoints = after(run, "aws_vpc_endpoint")
    assert {e["vpc_endpoint_type"] for e in endpoints} == {"Gateway", "Interface"}
    placed = {f["function_name"] for f in after(run, "aws_lambda_function") if f.get("vpc_config")}
    assert {f"pf-{name}-{ENV}" for name in (
        "chat-api", "daily-metrics", "refresh-cache", "scheduling-actions", "information-actions",
        "notes-actions")} <= placed
    assert f"pf-cleanup-sessions-{ENV}" not in placed
