"""The delivery pipeline: dev's (gate, plan, apply of dev) and the production shape (staging,
then prod behind a manual approval); build roles hold no deploy rights of their own."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from modules.config import REPO_ROOT
from systems.allocation.delivery import (APPLY_BUILDSPEC, CHECK_BUILDSPEC, PLAN_BUILDSPEC,
                                        TERRAFORM_VERSION)
from tests.conftest import one, resources
from tests.systems.allocation.conftest import synth_allocation

DEV_ROLE = "arn:aws:iam::618048437522:role/pf-allocation-deployer-dev"


def stages(stack: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    pipeline = one(stack, "aws_codepipeline")
    return [(s["name"], [(a["name"], a["category"]) for a in s["action"]]) for s in pipeline["stage"]]


def projects(stack: dict) -> dict[str, dict]:
    return {p["name"]: p for p in resources(stack, "aws_codebuild_project").values()}


def role_statements(stack: dict, step: str) -> list[dict]:
    document = stack["data"]["aws_iam_policy_document"]
    (key,) = [k for k in document if k.startswith(f"build_{step}_policy_document")]
    return document[key]["statement"]


def variables(project: dict) -> dict[str, str]:
    return {v["name"]: v["value"] for v in project["environment"]["environment_variable"]}


def test_dev_pipeline_gates_plans_and_applies(allocation_dev):
    assert stages(allocation_dev) == [
        ("Source", [("Source", "Source")]), ("Check", [("Gate", "Test")]),
        ("Plan-dev", [("Plan-dev", "Build")]), ("Apply-dev", [("Apply-dev", "Deploy")])]
    pipeline = one(allocation_dev, "aws_codepipeline")
    assert pipeline["pipeline_type"] == "V2" and pipeline["execution_mode"] == "QUEUED"
    source = pipeline["stage"][0]["action"][0]["configuration"]
    assert (source["FullRepositoryId"], source["BranchName"]) == (
        "platform-team/bedrock-agents-iac", "main")
    assert pipeline["artifact_store"][0]["encryption_key"]["type"] == "KMS"
    # Apply consumes exactly what Plan produced.
    plan, apply = pipeline["stage"][2]["action"][0], pipeline["stage"][3]["action"][0]
    assert plan["output_artifacts"] == apply["input_artifacts"] == ["plan_dev"]


def test_builds_run_the_gate_and_apply_the_saved_plan(allocation_dev):
    found = projects(allocation_dev)
    check = found["pf-allocation-check-dev"]
    assert variables(check) == {"TERRAFORM_VERSION": TERRAFORM_VERSION, "TARGETS": "dev"}
    assert "modules.pipeline.run --only \"$target-allocation\"" in check["source"]["buildspec"]
    plan = found["pf-allocation-plan-dev-dev"]
    assert variables(plan) == {"TERRAFORM_VERSION": TERRAFORM_VERSION, "STACK": "dev-allocation",
                               "DEPLOYER_ROLE_ARN": DEV_ROLE}
    assert "plan -input=false -lock-timeout=5m -out=tfplan" in plan["source"]["buildspec"]
    apply = found["pf-allocation-apply-dev-dev"]["source"]["buildspec"]
    assert "terraform apply -input=false -lock-timeout=5m tfplan" in apply
    assert "credential_source EcsContainer" in apply
    # Terraform would read `${` as an interpolation.
    assert not any("${" in p["source"]["buildspec"] for p in found.values())
    for project in found.values():
        assert project["encryption_key"] and not project["environment"]["privileged_mode"]
        assert project["logs_config"]["cloudwatch_logs"]["status"] == "ENABLED"


@pytest.mark.parametrize("buildspec", [CHECK_BUILDSPEC, PLAN_BUILDSPEC, APPLY_BUILDSPEC],
                         ids=["check", "plan", "apply"])
def test_buildspecs_are_valid_and_install_the_tested_terraform(buildspec):
    spec = yaml.safe_load(buildspec)
    assert spec["version"] == 0.2
    install = spec["phases"]["install"]
    assert install["runtime-versions"] == {"python": 3.11, "nodejs": 20}
    assert 'dnf install -y "terraform-$TERRAFORM_VERSION"' in install["commands"]
    assert all(phase.get("on-failure") == "ABORT" for name, phase in spec["phases"].items()
               if name != "install")


def test_plan_hands_on_the_stack_with_its_lock_file_and_plan():
    artifacts = yaml.safe_load(PLAN_BUILDSPEC)["artifacts"]
    assert artifacts["base-directory"] == "plan-out"
    assert ".terraform.lock.hcl" in artifacts["files"]


def test_only_plan_and_apply_may_take_the_deployer_role(allocation_dev):
    for step in ("plan_dev", "apply_dev"):
        assumes = [s for s in role_statements(allocation_dev, step) if "sts:AssumeRole" in s["actions"]]
        assert [s["resources"] for s in assumes] == [[DEV_ROLE]], step
    check = role_statements(allocation_dev, "check")
    assert not [s for s in check if any(a.startswith("sts:") for a in s["actions"])]
    actions = {a for s in check for a in s["actions"]}
    assert actions <= {"logs:CreateLogStream", "logs:PutLogEvents", "s3:GetObject",
                       "s3:GetObjectVersion", "s3:PutObject", "s3:GetBucketLocation",
                       "s3:GetBucketAcl", "kms:Decrypt", "kms:GenerateDataKey",
                       "codebuild:CreateReportGroup", "codebuild:CreateReport",
                       "codebuild:UpdateReport", "codebuild:BatchPutTestCases"}


@pytest.fixture(scope="module")
def production_shape(tmp_path_factory) -> dict:
    """prod hosting the pipeline for staging then prod (both env files select the system)."""
    envs = tmp_path_factory.mktemp("envs")
    for name in ("dev", "staging", "prod"):
        text = (REPO_ROOT / "envs" / f"{name}.toml").read_text()
        if name != "dev":
            text += "\n[systems.allocation]\n"
        (envs / f"{name}.toml").write_text(text)
    roles = {t: f"arn:aws:iam::618048437522:role/pf-allocation-deployer-{t}"
             for t in ("staging", "prod")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PF_ENVS_DIR", str(envs))
        stack = synth_allocation(tmp_path_factory.mktemp("allocation-delivery"), "prod", {
            "systems": {"allocation": {"cicd": {
                "enabled": True, "repository": "platform-team/bedrock-agents-iac",
                "deployer_roles": roles}}}})
    shutil.rmtree(envs)
    return stack


def test_prod_waits_for_an_approval_staging_does_not(production_shape):
    assert [name for name, _ in stages(production_shape)] == [
        "Source", "Check", "Plan-staging", "Apply-staging", "Plan-prod", "Approve-prod",
        "Apply-prod"]
    pipeline = one(production_shape, "aws_codepipeline")
    approval = pipeline["stage"][5]["action"][0]
    assert (approval["category"], approval["provider"]) == ("Approval", "Manual")
    assert approval["configuration"]["NotificationArn"].startswith("${aws_sns_topic.")
    assert "pf-allocation-plan-prod-prod" in approval["configuration"]["CustomData"]
    assert variables(projects(production_shape)["pf-allocation-check-prod"])["TARGETS"] == \
        "staging prod"
    # The pipeline role may announce approvals and run its own builds, nothing else.
    document = production_shape["data"]["aws_iam_policy_document"]
    (key,) = [k for k in document if k.startswith("delivery_policy_document")]
    sids = {s["sid"] for s in document[key]["statement"]}
    assert {"AnnounceApproveprod", "RunBuildPlanProd", "RunBuildApplyStaging"} <= sids
    assert json.dumps(document[key]).count("sts:AssumeRole") == 0
