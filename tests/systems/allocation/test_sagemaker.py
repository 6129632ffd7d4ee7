"""The SageMaker optimization pipeline on the synthesized dev stack: three steps of the
specification's pipeline chained by their outputs, ml.c5.4xlarge and 20 instances, spot
training with checkpoints, KMS everywhere, its role limited to this system's data."""

from __future__ import annotations

import json

from tests.conftest import one, resources, statements_of


def definition(stack: dict) -> dict:
    return json.loads(one(stack, "aws_sagemaker_pipeline")["pipeline_definition"])


def test_pipeline_steps_chain_and_sizes(allocation_dev):
    pipeline = one(allocation_dev, "aws_sagemaker_pipeline")
    assert pipeline["pipeline_name"] == "pf-allocation-optimization-pipeline-dev"
    spec = definition(allocation_dev)
    steps = {s["Name"]: s for s in spec["Steps"]}
    assert list(steps) == ["DataValidation", "ScenarioGeneration", "DistributedOptimization"]
    parameters = {p["Name"]: p["DefaultValue"] for p in spec["Parameters"]}
    assert parameters["ProcessingInstanceType"] == "ml.c5.4xlarge"
    assert parameters["ScenarioInstances"] == parameters["OptimizationInstances"] == 20
    assert parameters["MarketDataUri"] == "s3://pf-allocation-market-data-dev-618048437522/curated/"
    scenario_input = steps["ScenarioGeneration"]["Arguments"]["ProcessingInputs"][0]["S3Input"]["S3Uri"]
    assert scenario_input == {"Get": "Steps.DataValidation.ProcessingOutputConfig.Outputs['output'].S3Output.S3Uri"}
    training = steps["DistributedOptimization"]["Arguments"]
    assert training["EnableManagedSpotTraining"] is True
    assert training["CheckpointConfig"]["S3Uri"].startswith("s3://pf-allocation-model-artifacts-dev-")
    assert training["StoppingCondition"]["MaxWaitTimeInSeconds"] == 2 * training["StoppingCondition"]["MaxRuntimeInSeconds"]
    for step in steps.values():
        arguments = step["Arguments"]
        assert arguments["RoleArn"] == "arn:aws:iam::618048437522:role/pf-allocation-sagemaker-role-dev"
        text = json.dumps(arguments)
        assert "VolumeKmsKeyId" in text and "KmsKeyId" in text and "EnableNetworkIsolation" in text


def test_role_and_repository(allocation_dev):
    statements = statements_of(allocation_dev, "pf-allocation-sagemaker-role-dev")
    assert statements["WriteResults"]["resources"] == [
        "arn:aws:s3:::pf-allocation-model-artifacts-dev-618048437522/pipeline/*"]
    assert "arn:aws:s3:::pf-allocation-market-data-dev-618048437522/curated/*" in statements["ReadData"]["resources"]
    assert statements["PullImages"]["resources"][0].startswith("${aws_ecr_repository.")
    repositories = {r["name"]: r for r in resources(allocation_dev, "aws_ecr_repository").values()}
    images = repositories["pf-allocation-dev/sagemaker"]
    assert images["image_tag_mutability"] == "IMMUTABLE"
    assert images["encryption_configuration"][0]["encryption_type"] == "KMS"


def test_on_demand_training_without_spot(tmp_path):
    from tests.systems.allocation.conftest import synth_allocation

    stack = synth_allocation(tmp_path, overrides={"systems": {"allocation": {
        "sagemaker": {"spot": False, "max_instances": 4}, "agents": {"enabled": False}}}})
    steps = {s["Name"]: s for s in definition(stack)["Steps"]}
    training = steps["DistributedOptimization"]["Arguments"]
    assert "EnableManagedSpotTraining" not in training and "CheckpointConfig" not in training
    assert {p["Name"]: p["DefaultValue"] for p in definition(stack)["Parameters"]}["ScenarioInstances"] == 4
