"""Plan-level facts of the production fraud stack and its checkov gate: one offline plan of
`prod-fraud` per test session (production differs from dev in the compliance lock, the standby
replicas, deletion protection, concurrency and log retention)."""

from __future__ import annotations

import pytest

from modules.pipeline.run import StackRun

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def prod_run(pipeline_runs) -> StackRun:
    """The session's offline plan and gate of `prod-fraud` (tests/conftest.py)."""
    return pipeline_runs["prod-fraud"]


def after(run: StackRun, resource_type: str) -> list[dict]:
    return [c["change"]["after"] for c in run.plan["resource_changes"]
            if c["type"] == resource_type and c["change"]["actions"] == ["create"]]


def test_plan_creates_everything_and_destroys_nothing(prod_run):
    counts = prod_run.counts()
    assert counts["update"] == counts["delete"] == 0
    managed = [c for c in prod_run.plan["resource_changes"] if c["mode"] == "managed"]
    assert counts["create"] == len(managed) == 100


def test_audit_log_is_compliance_locked_for_a_year_and_expires_after_it(prod_run):
    (lock,) = after(prod_run, "aws_s3_bucket_object_lock_configuration")
    (retention,) = lock["rule"][0]["default_retention"]
    assert (retention["mode"], retention["days"]) == ("COMPLIANCE", 365)
    buckets = {b["bucket"]: b for b in after(prod_run, "aws_s3_bucket")}
    assert buckets["fraud-detection-audit-logs-prod"]["object_lock_enabled"] is True
    # Not set: computed by AWS (false), so absent from the planned values.
    assert "object_lock_enabled" not in buckets["fraud-detection-models-prod"]
    lifecycles = [lc["rule"] for lc in after(prod_run, "aws_s3_bucket_lifecycle_configuration")]
    aged = [rule for rules in lifecycles for rule in rules if rule["id"] == "age-current-versions"]
    assert sorted(rule["expiration"][0]["days"] for rule in aged) == [365, 730]
    for rules in lifecycles:
        assert [r["id"] for r in rules].count("expire-noncurrent-versions") == 1


def test_collection_has_standby_replicas_and_data_refuses_deletion(prod_run):
    (collection,) = after(prod_run, "aws_opensearchserverless_collection")
    assert collection["standby_replicas"] == "ENABLED"
    tables = {t["name"]: t for t in after(prod_run, "aws_dynamodb_table")}
    assert len(tables) == 4
    for table in tables.values():
        assert table["deletion_protection_enabled"] is True
        assert table["point_in_time_recovery"] == [{"enabled": True}]
    transactions = tables["fraud-detection-transactions-prod"]
    assert (transactions["stream_enabled"], transactions["stream_view_type"]) == (
        True, "NEW_AND_OLD_IMAGES")


def test_functions_scale_to_100_and_keep_logs_two_years(prod_run):
    functions = after(prod_run, "aws_lambda_function")
    assert len(functions) == 4
    assert {f["reserved_concurrent_executions"] for f in functions} == {100}
    assert {g["retention_in_days"] for g in after(prod_run, "aws_cloudwatch_log_group")} == {731}
    streams = {s["name"]: s["retention_period"] for s in after(prod_run, "aws_kinesis_stream")}
    assert streams == {"fraud-detection-transactions-prod": 48, "fraud-detection-events-prod": 24}


def test_checkov_gate_passes_with_every_suppression_used(prod_run):
    result = prod_run.gate
    assert not result.failed, [(f.check_id, f.resource) for f in result.failed]
    assert not result.unused, result.unused
    assert result.passed > 600
