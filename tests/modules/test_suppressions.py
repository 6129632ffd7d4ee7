"""modules/suppressions.py and the checkov gate's matching, without running checkov."""

from __future__ import annotations

from pathlib import Path

import pytest

from modules.pipeline.checkov_gate import evaluate, resource_target
from modules.suppressions import Suppression


def report(check_type: str, file: Path, failed: list[tuple[str, str]], passed: int = 0,
           evaluated_keys: list[str] | None = None) -> dict:
    return {"check_type": check_type, "results": {
        "passed_checks": [{"check_id": "CKV_AWS_1", "resource": "x", "file_abs_path": str(file)}] * passed,
        "failed_checks": [{"check_id": c, "resource": r, "check_name": c, "file_abs_path": str(file),
                           "check_result": {"evaluated_keys": evaluated_keys or ["variables"]}}
                          for c, r in failed],
    }}


@pytest.mark.parametrize("address,expected", [
    ("resource.bucket_1A2B", ("resource", "bucket_1A2B")),
    ("aws_s3_bucket.bucket_1A2B", ("resource", "bucket_1A2B")),
    ("data.policy_1A2B", ("data", "policy_1A2B")),
    ("data.aws_iam_policy_document.policy_1A2B", ("data", "policy_1A2B")),
    ('aws_s3_bucket.bucket_1A2B["k"]', ("resource", "bucket_1A2B")),
])
def test_checkov_resource_names_normalize(address, expected):
    assert resource_target(address) == expected


def test_gate_applies_matching_suppressions_and_fails_on_the_rest(tmp_path):
    json_file, plan_file, other = tmp_path / "cdk.tf.json", tmp_path / "plan.json", tmp_path / "o.json"
    reports = [
        report("terraform_json", json_file, [("CKV_AWS_18", "resource.bucket_1"),
                                             ("CKV_AWS_50", "resource.function_1")], passed=3),
        report("terraform_plan", plan_file, [("CKV_AWS_18", "aws_s3_bucket.bucket_1")], passed=2),
        report("terraform_plan", other, [("CKV_AWS_99", "aws_x.y")]),
    ]
    suppressions = [Suppression("CKV_AWS_18", "aws_s3_bucket.bucket_1", "a real reason here")]
    result = evaluate("dev", {json_file, plan_file}, reports, suppressions)
    assert result.passed == 5
    assert [f.check_id for f in result.failed] == ["CKV_AWS_50"]
    assert len(result.suppressed) == 2 and not result.unused
    assert not result.ok


def test_gate_fails_on_a_suppression_that_matched_nothing(tmp_path):
    file = tmp_path / "cdk.tf.json"
    stale = Suppression("CKV_AWS_117", "aws_lambda_function.gone", "this function was removed")
    result = evaluate("dev", {file}, [report("terraform_json", file, [])], [stale])
    assert result.unused == [stale] and not result.ok


def test_suppression_needs_a_check_id_and_a_real_reason():
    from cdktf import App, TerraformStack

    from modules.aws import provider_module
    from modules.suppressions import suppress, suppressions_of

    stack = TerraformStack(App(outdir=str(Path("/nonexistent"))), "s")
    provider_module("provider").AwsProvider(stack, "aws", region="us-east-1")
    bucket = provider_module("s3_bucket").S3Bucket(stack, "bucket")
    with pytest.raises(ValueError, match="reason"):
        suppress(bucket, "CKV_AWS_18", "because")
    with pytest.raises(ValueError, match="check id"):
        suppress(bucket, "S3_LOGGING", "a long enough reason")
    suppress(bucket, "CKV_AWS_18", "a long enough reason")
    assert [s.address.split(".")[0] for s in suppressions_of(stack)] == ["aws_s3_bucket"]


def test_scan_scoped_suppression_applies_to_that_scan_only(tmp_path):
    json_file, plan_file = tmp_path / "cdk.tf.json", tmp_path / "plan.json"
    reports = [
        report("terraform_json", json_file, [("CKV_AWS_383", "resource.agent_1")]),
        report("terraform_plan", plan_file, [("CKV_AWS_383", "aws_bedrockagent_agent.agent_1")]),
    ]
    plan_only = Suppression("CKV_AWS_383", "aws_bedrockagent_agent.agent_1",
                            "identifier known after apply", scan="terraform_plan")
    result = evaluate("dev", {json_file, plan_file}, reports, [plan_only])
    assert [(f.check_id, f.scan) for f in result.failed] == [("CKV_AWS_383", "terraform_json")]
    assert len(result.suppressed) == 1 and not result.unused


def test_findings_about_checkovs_own_metadata_are_reported_not_failed(tmp_path):
    """CKV_AWS_45 scans checkov's injected `__file__` path like an environment variable."""
    plan = tmp_path / "plan.json"
    artifact = report("terraform_plan", plan, [("CKV_AWS_45", "aws_lambda_function.fn")],
                      evaluated_keys=["environment/[0]/variables/[0]/__file__"])
    real = report("terraform_plan", plan, [("CKV_AWS_45", "aws_lambda_function.fn")],
                  evaluated_keys=["environment/[0]/variables/[0]/PASSWORD"])
    ignored = evaluate("dev", {plan}, [artifact], [])
    assert ignored.ok and [f.check_id for f in ignored.artifacts] == ["CKV_AWS_45"]
    failed = evaluate("dev", {plan}, [real], [])
    assert not failed.ok and not failed.artifacts
