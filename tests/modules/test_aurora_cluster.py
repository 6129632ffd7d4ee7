"""modules/aurora_cluster.py alone: defaults, readers per zone, managed secret, least-privilege
monitoring role and the IAM connect grant."""

from __future__ import annotations

import pytest

from modules.aurora_cluster import AuroraCapacity, AuroraCluster, AuroraClusterProps
from tests.conftest import one, resources, statements_of, synth_construct, trust_of

ACCOUNT, REGION = "111122223333", "eu-west-1"
KEY, SECRET_KEY = "arn:aws:kms:eu-west-1:111122223333:key/db", "arn:aws:kms:eu-west-1:111122223333:key/s"


def build(**props) -> tuple[dict, tuple]:
    captured = {}

    def add(stack):
        cluster = AuroraCluster(stack, "db", AuroraClusterProps(
            cluster_identifier="t-db", engine_version="15.10", database_name="analytics",
            subnet_ids=("subnet-1", "subnet-2"), security_group_ids=("sg-1",),
            availability_zones=("eu-west-1a", "eu-west-1b"), kms_key_arn=KEY,
            secret_kms_key_arn=SECRET_KEY, monitoring_role_name="t-db-monitoring",
            account_id=ACCOUNT, region=REGION, **props))
        captured["connect"] = cluster.connect_statements("app")
    return synth_construct(add), captured["connect"]


@pytest.fixture(scope="module")
def default():
    return build()


def test_defaults(default):
    stack, _ = default
    cluster = one(stack, "aws_rds_cluster")
    assert cluster["engine"] == "aurora-postgresql" and cluster["engine_mode"] == "provisioned"
    assert cluster["serverlessv2_scaling_configuration"] == {"min_capacity": 0.5, "max_capacity": 4}
    assert cluster["backup_retention_period"] == 7 and cluster["deletion_protection"] is True
    assert cluster["final_snapshot_identifier"] == "t-db-final"
    assert cluster["kms_key_id"] == KEY and cluster["master_user_secret_kms_key_id"] == SECRET_KEY
    # The encrypted log group exists before RDS could create an unencrypted one.
    (dependency,) = cluster["depends_on"]
    assert dependency.startswith("aws_cloudwatch_log_group.")
    assert one(stack, "aws_rds_cluster_parameter_group")["family"] == "aurora-postgresql15"
    instances = list(resources(stack, "aws_rds_cluster_instance").values())
    assert [i["promotion_tier"] for i in instances] == [0, 1]
    assert all(i["performance_insights_kms_key_id"] == KEY for i in instances)
    log_group = one(stack, "aws_cloudwatch_log_group")
    assert log_group["name"] == "/aws/rds/cluster/t-db/postgresql"
    assert one(stack, "aws_secretsmanager_secret_rotation")["rotation_rules"] == {
        "automatically_after_days": 30}


def test_monitoring_role_is_pinned_and_writes_only_rds_metrics(default):
    stack, _ = default
    trust = trust_of(stack, "t-db-monitoring")
    assert {"test": "ArnLike", "variable": "aws:SourceArn",
            "values": [f"arn:aws:rds:{REGION}:{ACCOUNT}:db:t-db-*"]} in trust["condition"]
    for statement in statements_of(stack, "t-db-monitoring").values():
        assert all(r.startswith(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:RDSOSMetrics")
                   for r in statement["resources"])


def test_connect_grant_names_one_user_of_this_cluster(default):
    _, (statement,) = default
    assert statement.actions == ("rds-db:connect",)
    (resource,) = statement.resources
    assert resource.startswith(f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:") and resource.endswith("/app")


def test_no_reader_and_too_few_zones():
    stack, _ = build(capacity=AuroraCapacity(readers=0))
    assert len(resources(stack, "aws_rds_cluster_instance")) == 1
    with pytest.raises(ValueError, match="need as many zones"):
        build(capacity=AuroraCapacity(readers=2))
