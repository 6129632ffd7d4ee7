"""Phase 3 async work and analytics on staging's offline plan and the checkov gate: what the
plan will create matches the specification, and no finding on these resources is unexplained."""

from __future__ import annotations

import pytest

from modules.pipeline.run import StackRun

pytestmark = pytest.mark.terraform

ENV = "staging"
# Construct ids of this part of phase 3 (logical ids start with them).
OWN_IDS = ("queue_", "trigger_", "function_async_tasks", "function_appointment_notifications",
           "function_workflow_tasks", "function_events_consumer", "workflow_", "stream_",
           "topic_customer_notifications", "archive_", "bucket_analytics_data",
           "bucket_glue_scripts", "bucket_query_results", "glue_", "athena_")


@pytest.fixture(scope="module")
def gated(phase3_run, phase3_gate):
    return phase3_run, phase3_gate


def created(run: StackRun, resource_type: str) -> list[dict]:
    return [c["change"]["after"] for c in run.plan["resource_changes"]
            if c["type"] == resource_type and c["change"]["actions"] == ["create"]]


def own(address: str) -> bool:
    return address.rsplit(".", 1)[-1].startswith(OWN_IDS)


def test_gate_has_no_unexplained_finding_on_async_work_and_analytics(gated):
    _, result = gated
    failed = [(f.check_id, f.resource) for f in result.failed if own(f.resource)]
    assert not failed, failed
    assert not any(own(s.address) for s in result.unused), result.unused
    reasons = {s.check_id for _, s in result.suppressed if own(s.address)}
    assert reasons <= {"CKV_AWS_18", "CKV_AWS_144", "CKV2_AWS_62", "CKV_AWS_272", "CKV_AWS_117"}, reasons


def test_planned_queues_streams_and_workflows(gated):
    run, _ = gated
    queues = {q["name"]: q for q in created(run, "aws_sqs_queue")}
    for name in ("pf-async-tasks-staging", "pf-appointment-notifications-staging"):
        assert queues[name]["visibility_timeout_seconds"] == 180  # 6 x the consumer timeout
    assert queues["pf-dlq-staging"]["message_retention_seconds"] == 1209600
    assert queues["pf-async-tasks-staging"]["message_retention_seconds"] == 4 * 86400
    assert len(created(run, "aws_sqs_queue_redrive_policy")) == 2
    streams = {s["name"]: s for s in created(run, "aws_kinesis_stream")}
    assert (streams["pf-events-stream-staging"]["shard_count"], streams["pf-events-stream-staging"]["retention_period"]) == (2, 24)
    assert (streams["pf-metrics-stream-staging"]["shard_count"], streams["pf-metrics-stream-staging"]["retention_period"]) == (1, 168)
    machines = {m["name"]: m for m in created(run, "aws_sfn_state_machine")}
    assert set(machines) == {"pf-appointment-workflow-staging", "pf-customer-onboarding-staging"}
    assert all(m["type"] == "STANDARD" and m["tracing_configuration"] == [{"enabled": True}]
               for m in machines.values())


def test_planned_glue_and_athena(gated):
    run, _ = gated
    triggers = {t["name"]: t["schedule"] for t in created(run, "aws_glue_trigger")}
    assert triggers == {"pf-conversations-to-s3-schedule-staging": "cron(0 2 * * ? *)",
                        "pf-metrics-aggregation-schedule-staging": "cron(15 * * * ? *)"}
    (workgroup,) = created(run, "aws_athena_workgroup")
    (config,) = workgroup["configuration"]
    assert config["enforce_workgroup_configuration"] is True
    (result,) = config["result_configuration"]
    assert result["encryption_configuration"][0]["encryption_option"] == "SSE_KMS"
    assert len(created(run, "aws_athena_named_query")) == 3
    assert {j["name"] for j in created(run, "aws_glue_job")} == {
        "pf-conversations-to-s3-staging", "pf-metrics-aggregation-staging"}
    buckets = {b["bucket"] for b in created(run, "aws_s3_bucket")}
    assert "pf-query-results-staging-618048437522" in buckets
