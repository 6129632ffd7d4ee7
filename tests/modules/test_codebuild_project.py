"""CodeBuild project alone: pipeline source and artifacts, customer key, its own KMS log
group, and a role limited to its artifacts, log group and the caller's statements."""

from __future__ import annotations

import pytest

from modules.codebuild_project import CodeBuildProject, CodeBuildProjectProps
from modules.policy import Statement
from tests.conftest import one, statements_of, synth_construct, trust_of

KEY = "arn:aws:kms:us-east-1:111122223333:key/k"


def props(**overrides) -> CodeBuildProjectProps:
    values = dict(
        name="app-build", role_name="app-build-role", account_id="111122223333",
        region="us-east-1", buildspec="version: 0.2\n", kms_key_arn=KEY,
        artifact_prefix_arn="arn:aws:s3:::artifacts/app-pipeline",
        log_group_name="/aws/codebuild/app-build", log_retention_days=7,
        environment=(("APP_DIR", "apps/app"),), privileged=True,
        statements=(Statement(sid="Extra", actions=("ecr:PutImage",),
                              resources=("arn:aws:ecr:us-east-1:111122223333:repository/app",)),))
    values.update(overrides)
    return CodeBuildProjectProps(**values)


@pytest.fixture(scope="module")
def stack() -> dict:
    return synth_construct(lambda scope: CodeBuildProject(scope, "build", props()))


def test_project_encrypted_pipeline_driven_and_logged(stack):
    project = one(stack, "aws_codebuild_project")
    assert project["encryption_key"] == KEY
    assert project["source"]["type"] == project["artifacts"]["type"] == "CODEPIPELINE"
    assert project["source"]["buildspec"] == "version: 0.2\n"
    environment = project["environment"]
    assert environment["privileged_mode"] is True
    assert environment["environment_variable"] == [
        {"name": "APP_DIR", "value": "apps/app", "type": "PLAINTEXT"}]
    assert project["logs_config"]["cloudwatch_logs"]["status"] == "ENABLED"
    group = one(stack, "aws_cloudwatch_log_group")
    assert (group["name"], group["retention_in_days"], group["kms_key_id"]) == (
        "/aws/codebuild/app-build", 7, KEY)


def test_role_limited_to_artifacts_logs_and_callers_statements(stack):
    statements = statements_of(stack, "app-build-role")
    assert statements["PipelineArtifacts"]["resources"] == [
        "arn:aws:s3:::artifacts/app-pipeline*"]
    assert statements["ArtifactBucketLocation"]["resources"] == ["arn:aws:s3:::artifacts"]
    assert statements["WriteBuildLogs"]["resources"][0].endswith(".arn}:*")
    assert statements["Extra"]["actions"] == ["ecr:PutImage"]
    trust = trust_of(stack, "app-build-role")
    assert {c["variable"]: c["values"] for c in trust["condition"]} == {
        "aws:SourceAccount": ["111122223333"],
        "aws:SourceArn": ["arn:aws:codebuild:us-east-1:111122223333:project/app-build"]}


@pytest.mark.parametrize("change, message", [
    ({"compute_type": "HUGE"}, "compute_type"),
    ({"log_retention_days": 8}, "retention"),
    ({"timeout_minutes": 1}, "timeout"),
    ({"artifact_prefix_arn": "artifacts/app"}, "S3 object ARN"),
])
def test_bad_props_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        props(**change)
