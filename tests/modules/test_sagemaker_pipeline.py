"""modules/sagemaker_pipeline.py: a pipeline whose definition is JSON built from Python data,
and its least-privilege role (own jobs, own role, given repositories and S3 prefixes, job logs,
the key through S3 and for volumes)."""

from __future__ import annotations

import json

import pytest

from modules.sagemaker_pipeline import (PipelineDefinition, SageMakerPipeline,
                                        SageMakerPipelineProps, parameter)
from tests.conftest import one, statements_of, synth_construct, trust_of

STEP = {"Name": "Validate", "Type": "Processing", "Arguments": {"RoleArn": "r"}}
DEFINITION = PipelineDefinition(parameters={"InputUri": ("String", "s3://in/x/")}, steps=(STEP,))
PROPS = dict(pipeline_name="pf-pipe-dev", role_name="pf-pipe-role-dev", policy_name="pf-pipe-policy",
             definition=DEFINITION, account_id="111122223333", region="us-east-1",
             kms_key_arn="arn:aws:kms:us-east-1:111122223333:key/k",
             repository_arns=("arn:aws:ecr:us-east-1:111122223333:repository/pf/images",),
             read_prefixes=("arn:aws:s3:::in/x/",), write_prefixes=("arn:aws:s3:::out/pipeline/",))


@pytest.fixture(scope="module")
def stack():
    return synth_construct(lambda s: SageMakerPipeline(s, "p", SageMakerPipelineProps(**PROPS)))


def test_definition_is_the_python_data(stack):
    pipeline = one(stack, "aws_sagemaker_pipeline")
    definition = json.loads(pipeline["pipeline_definition"])
    assert definition["Version"] == "2020-12-01"
    assert definition["Steps"] == [STEP]
    assert definition["Parameters"] == [{"Name": "InputUri", "Type": "String", "DefaultValue": "s3://in/x/"}]
    assert pipeline["role_arn"].startswith("${aws_iam_role.")
    assert parameter("InputUri") == {"Get": "Parameters.InputUri"}


def test_role_is_least_privilege(stack):
    trust = trust_of(stack, "pf-pipe-role-dev")
    assert trust["principals"][0]["identifiers"] == ["sagemaker.amazonaws.com"]
    assert {c["variable"] for c in trust["condition"]} == {"aws:SourceAccount", "aws:SourceArn"}
    statements = statements_of(stack, "pf-pipe-role-dev")
    assert statements["RunPipelineJobs"]["resources"] == [
        "arn:aws:sagemaker:us-east-1:111122223333:processing-job/pipelines-*",
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/pipelines-*"]
    assert statements["PassOwnRoleToJobs"]["resources"] == ["arn:aws:iam::111122223333:role/pf-pipe-role-dev"]
    assert statements["PullImages"]["resources"] == list(PROPS["repository_arns"])
    assert sorted(statements["ReadData"]["resources"]) == ["arn:aws:s3:::in/x/*", "arn:aws:s3:::out/pipeline/*"]
    assert statements["WriteResults"]["resources"] == ["arn:aws:s3:::out/pipeline/*"]
    assert statements["EncryptJobVolumes"]["condition"][0]["variable"] == "kms:GrantIsForAWSResource"
    assert all(r.endswith(":*") and "/aws/sagemaker/" in r for r in statements["WriteJobLogs"]["resources"])
    wildcard = [s for s in statements.values() if s["resources"] == ["*"]]
    assert [s["sid"] for s in wildcard] == ["RegistryToken"]


@pytest.mark.parametrize("change, message", [
    ({"pipeline_name": "-bad"}, "pipeline name"), ({"repository_arns": ()}, "repositories"),
    ({"read_prefixes": ("s3://in/x/",)}, "S3 prefix")])
def test_bad_props(change, message):
    with pytest.raises(ValueError, match=message):
        SageMakerPipelineProps(**{**PROPS, **change})


def test_bad_definitions():
    with pytest.raises(ValueError, match="unique"):
        PipelineDefinition(parameters={}, steps=(STEP, STEP))
    with pytest.raises(ValueError, match="SageMaker type"):
        PipelineDefinition(parameters={"x": ("List", [])}, steps=(STEP,))
