"""CodePipeline alone: V2 with stages as data, push triggers with path filters, KMS on the
artifact store, and a role that is exactly its artifacts plus its actions' grants."""

from __future__ import annotations

import pytest

from modules.code_pipeline import (Action, CodePipeline, CodePipelineProps, GitPushTrigger,
                                   Stage, artifact_prefix_arn, codebuild_action,
                                   codestar_source, ecs_deploy_action)
from tests.conftest import one, statements_of, synth_construct, trust_of

KEY = "arn:aws:kms:us-east-1:111122223333:key/k"
CONNECTION = "arn:aws:codestar-connections:us-east-1:111122223333:connection/c"
PROJECT = "arn:aws:codebuild:us-east-1:111122223333:project/app-build"


def props(**overrides) -> CodePipelineProps:
    values = dict(
        name="app-pipeline", role_name="app-pipeline-role", account_id="111122223333",
        region="us-east-1", artifact_bucket="artifacts", kms_key_arn=KEY,
        stages=(
            Stage("Source", (codestar_source("Source", CONNECTION, "octo/mono", "main"),)),
            Stage("Build", (codebuild_action("Build", "app-build", PROJECT, ("source",),
                                             ("build",)),)),
            Stage("Deploy", (ecs_deploy_action(
                "Deploy", region="us-east-1", account_id="111122223333", cluster="c",
                service="s", pass_role_arns=("arn:aws:iam::111122223333:role/exec",),
                input="build"),)),
        ),
        triggers=(GitPushTrigger("Source", ("main",), ("apps/app/**/*",)),))
    values.update(overrides)
    return CodePipelineProps(**values)


@pytest.fixture(scope="module")
def stack() -> dict:
    return synth_construct(lambda scope: CodePipeline(scope, "pipeline", props()))


def test_v2_stages_trigger_and_encrypted_artifacts(stack):
    pipeline = one(stack, "aws_codepipeline")
    assert (pipeline["pipeline_type"], pipeline["execution_mode"]) == ("V2", "QUEUED")
    assert pipeline["artifact_store"] == [{"location": "artifacts", "type": "S3",
                                           "encryption_key": {"id": KEY, "type": "KMS"}}]
    assert [s["name"] for s in pipeline["stage"]] == ["Source", "Build", "Deploy"]
    source = pipeline["stage"][0]["action"][0]
    assert source["configuration"]["FullRepositoryId"] == "octo/mono"
    assert source["output_artifacts"] == ["source"]
    (trigger,) = pipeline["trigger"]
    assert trigger["git_configuration"]["source_action_name"] == "Source"
    assert trigger["git_configuration"]["push"][0]["file_paths"]["includes"] == [
        "apps/app/**/*"]
    deploy = pipeline["stage"][2]["action"][0]
    assert deploy["configuration"]["FileName"] == "imagedefinitions.json"


def test_role_is_artifacts_plus_the_actions_grants(stack):
    statements = statements_of(stack, "app-pipeline-role")
    assert statements["RunArtifacts"]["resources"] == ["arn:aws:s3:::artifacts/app-pipeline*"]
    assert statements["UseConnectionSource"]["resources"] == [CONNECTION]
    assert statements["RunBuildBuild"]["resources"] == [PROJECT]
    assert statements["UpdateServiceDeploy"]["resources"] == [
        "arn:aws:ecs:us-east-1:111122223333:service/c/s"]
    assert statements["PassTaskRolesDeploy"]["condition"][0]["values"] == [
        "ecs-tasks.amazonaws.com"]
    key = statements["ArtifactKey"]
    assert key["condition"][0]["values"] == ["s3.us-east-1.amazonaws.com"]
    trust = trust_of(stack, "app-pipeline-role")
    assert {c["variable"]: c["values"] for c in trust["condition"]} == {
        "aws:SourceAccount": ["111122223333"],
        "aws:SourceArn": ["arn:aws:codepipeline:us-east-1:111122223333:app-pipeline"]}


def test_artifact_prefix_is_the_first_twenty_characters():
    assert artifact_prefix_arn("b", "a-very-long-pipeline-name") == \
        "arn:aws:s3:::b/a-very-long-pipeline"


@pytest.mark.parametrize("change, message", [
    ({"stages": (Stage("Build", (codebuild_action("B", "p", PROJECT, ()),)),)},
     "starts with a Source stage"),
    ({"stages": (Stage("Source", (codestar_source("Source", CONNECTION, "o/r", "main"),)),
                 Stage("Build", (codebuild_action("B", "p", PROJECT, ("missing",)),)))},
     "reads missing before"),
    ({"triggers": (GitPushTrigger("Nope"),)}, "not a source action"),
    ({"execution_mode": "FAST"}, "execution_mode"),
])
def test_bad_pipelines_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        props(**change)


def test_bad_actions_are_refused():
    with pytest.raises(ValueError, match="category"):
        Action(name="x", category="Ship", provider="S3")
    with pytest.raises(ValueError, match="no action"):
        Stage("Empty", ())
