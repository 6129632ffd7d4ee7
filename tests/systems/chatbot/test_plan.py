"""The chatbot stack planned offline (dev and prod, the session's plans) and gated by
checkov: the specification's facts hold on planned values, nothing is replaced or destroyed,
and the gate has no unexplained finding."""

from __future__ import annotations

import pytest

from modules.pipeline.run import StackRun

pytestmark = pytest.mark.terraform
ENVS = ("dev", "prod")


@pytest.fixture(scope="module")
def runs(pipeline_runs) -> dict[str, tuple[StackRun, object]]:
    """The session's offline plans and gate of the chatbot stacks (tests/conftest.py)."""
    return {env: (pipeline_runs[f"{env}-chatbot"], pipeline_runs[f"{env}-chatbot"].gate)
            for env in ENVS}


def after(run: StackRun, resource_type: str) -> list[dict]:
    return [c["change"]["after"] for c in run.plan["resource_changes"]
            if c["type"] == resource_type and c["mode"] == "managed"]


@pytest.mark.parametrize("env", ENVS)
def test_gate_has_no_unexplained_finding(runs, env):
    _, gate = runs[env]
    assert not gate.failed, [(f.check_id, f.resource) for f in gate.failed]
    assert not gate.unused, gate.unused
    assert gate.passed > 300
    suppressed = {s.check_id for _, s in gate.suppressed}
    # The stack fixes what checkov can see: encryption, PITR, tracing, concurrency, retention.
    assert not suppressed & {"CKV_AWS_28", "CKV_AWS_119", "CKV_AWS_149", "CKV_AWS_158",
                             "CKV_AWS_173", "CKV_AWS_338", "CKV_AWS_26", "CKV_AWS_115"}


@pytest.mark.parametrize("env", ENVS)
def test_plan_only_creates(runs, env):
    run, _ = runs[env]
    actions = {tuple(c["change"]["actions"]) for c in run.plan["resource_changes"]
               if c["mode"] == "managed"}
    assert actions == {("create",)}


@pytest.mark.parametrize("env", ENVS)
def test_planned_tables_keys_and_protection(runs, env):
    run, _ = runs[env]
    tables = {t["name"]: t for t in after(run, "aws_dynamodb_table")}
    assert len(tables) == 3
    for table in tables.values():
        assert table["billing_mode"] == "PAY_PER_REQUEST"
        assert table["point_in_time_recovery"][0]["enabled"] is True
        assert table["server_side_encryption"][0]["enabled"] is True
        assert table["deletion_protection_enabled"] is (env == "prod")
    history = tables[f"pf-chatbot-chat-history-{env}"]
    assert (history["hash_key"], history["range_key"]) == ("sessionId", "timestamp")
    assert [i["name"] for i in history["global_secondary_index"]] == ["UserSessionIndex"]
    assert tables[f"pf-chatbot-cache-{env}"]["ttl"][0]["attribute_name"] == "ttl"


@pytest.mark.parametrize("env", ENVS)
def test_planned_secrets_keys_alarms_and_logs(runs, env):
    run, _ = runs[env]
    assert len(after(run, "aws_secretsmanager_secret")) == 3
    assert after(run, "aws_secretsmanager_secret_version") == []
    assert [k["enable_key_rotation"] for k in after(run, "aws_kms_key")] == [True]
    alarms = after(run, "aws_cloudwatch_metric_alarm")
    assert sorted(a["alarm_name"] for a in alarms) == [f"pf-chatbot-api-errors-{env}",
                                                       f"pf-chatbot-lambda-errors-{env}"]
    assert len(after(run, "aws_sns_topic")) == 1 and len(after(run, "aws_cloudwatch_dashboard")) == 1
    retention = {g["retention_in_days"] for g in after(run, "aws_cloudwatch_log_group")}
    assert retention == ({365} if env == "dev" else {1096})
    assert len(after(run, "aws_backup_plan")) == (1 if env == "prod" else 0)


def test_resource_counts(runs):
    counts = {env: sum(c["mode"] == "managed" for c in run.plan["resource_changes"])
              for env, (run, _) in runs.items()}
    # prod: no CORS preflights (4 resources each for 5 paths) and the gateway responses, plus
    # the backup vault, plan, role, policy attachment and selection.
    assert counts["prod"] == counts["dev"] - 20 - 2 + 5, counts
