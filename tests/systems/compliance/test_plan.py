"""The compliance baseline planned offline (dev, the session's plan) and gated by checkov: the
checkable facts hold on planned values, nothing is replaced or destroyed, no unexplained
finding."""

from __future__ import annotations

import pytest

from modules.pipeline.run import StackRun

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def run(pipeline_runs) -> StackRun:
    return pipeline_runs["dev-compliance"]


def after(run: StackRun, resource_type: str) -> list[dict]:
    return [c["change"]["after"] for c in run.plan["resource_changes"]
            if c["type"] == resource_type and c["mode"] == "managed"]


def test_gate_has_no_unexplained_finding(run):
    gate = run.gate
    assert not gate.failed, [(f.check_id, f.resource) for f in gate.failed]
    assert not gate.unused, gate.unused
    suppressed = {s.check_id for _, s in gate.suppressed}
    # Fixed, never excused: trail encryption/validation/multi-region, log retention and keys.
    assert not suppressed & {"CKV_AWS_35", "CKV_AWS_36", "CKV_AWS_67", "CKV2_AWS_10",
                             "CKV_AWS_338", "CKV_AWS_158", "CKV_AWS_7", "CKV_AWS_26"}


def test_plan_only_creates(run):
    actions = {tuple(c["change"]["actions"]) for c in run.plan["resource_changes"]
               if c["mode"] == "managed"}
    assert actions == {("create",)}


def test_planned_facts(run):
    (trail,) = after(run, "aws_cloudtrail")
    assert trail["is_multi_region_trail"] and trail["enable_log_file_validation"]
    assert {s["insight_type"] for s in trail["insight_selector"]} == {"ApiCallRateInsight",
                                                                     "ApiErrorRateInsight"}
    assert {g["retention_in_days"] for g in after(run, "aws_cloudwatch_log_group")} == {2557}
    assert [k["enable_key_rotation"] for k in after(run, "aws_kms_key")] == [True]
    (policy,) = after(run, "aws_iam_account_password_policy")
    assert policy["minimum_password_length"] >= 14 and policy["max_password_age"] == 90
    assert [d["enable"] for d in after(run, "aws_guardduty_detector")] == [True]
    assert [m["status"] for m in after(run, "aws_macie2_account")] == ["ENABLED"]
    assert len(after(run, "aws_securityhub_standards_subscription")) == 1
    assert len(after(run, "aws_accessanalyzer_analyzer")) == 1
    assert len(after(run, "aws_config_configuration_recorder")) == 1

