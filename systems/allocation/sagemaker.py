"""SageMaker: the optimization pipeline of the specification as data, its role and the ECR
repository of its images.

Steps (each a job of the pipeline's role, KMS-encrypted volumes and outputs, no network in the
container): DataValidation (processing, the market data under `curated/`), ScenarioGeneration
(processing on up to `sagemaker.max_instances` instances) and DistributedOptimization
(training: the hyperparameter search, on spot capacity with checkpoints when
`sagemaker.spot`). Results aggregation and agent synthesis are the results-aggregator function
and the agent team. Outputs go to `pipeline/` of the model-artifacts bucket. Push the images
(`scenario-processor:<tag>`, `hyperparameter-search:<tag>`) before starting an execution.
"""

from __future__ import annotations

from modules.ecr_repository import EcrRepository, EcrRepositoryProps
from modules.sagemaker_pipeline import (PipelineDefinition, SageMakerPipeline,
                                        SageMakerPipelineProps, parameter)
from modules.stacks.system_stack import SystemStack
from systems.allocation.data import Data
from systems.allocation.names import AllocationNames
from systems.allocation.settings import AllocationSettings

ARTIFACTS_PREFIX = "pipeline/"
INPUT_PREFIX = "curated/"
# Paths inside the processing containers, not on any machine: SageMaker mounts inputs and
# collects outputs at /opt/ml/processing/<name>, and the images keep their scripts in /opt/program.
CONTAINER_INPUT = "/opt/ml/processing/input"
CONTAINER_OUTPUT = "/opt/ml/processing/output"
CONTAINER_SCRIPTS = "/opt/program"


def _output(step: str, name: str) -> dict[str, str]:
    return {"Get": f"Steps.{step}.ProcessingOutputConfig.Outputs['{name}'].S3Output.S3Uri"}


def _processing(name: str, image: str, script: str, role_arn: str, key: str, instances,
                source, destination: str, runtime: int) -> dict:
    return {"Name": name, "Type": "Processing", "Arguments": {
        "ProcessingResources": {"ClusterConfig": {
            "InstanceType": parameter("ProcessingInstanceType"), "InstanceCount": instances,
            "VolumeSizeInGB": 30, "VolumeKmsKeyId": key}},
        "AppSpecification": {"ImageUri": image, "ContainerEntrypoint": ["python3", script]},
        "RoleArn": role_arn,
        "ProcessingInputs": [{"InputName": "input", "AppManaged": False, "S3Input": {
            "S3Uri": source, "LocalPath": CONTAINER_INPUT, "S3DataType": "S3Prefix",
            "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated"}}],
        "ProcessingOutputConfig": {"KmsKeyId": key, "Outputs": [{
            "OutputName": "output", "AppManaged": False, "S3Output": {
                "S3Uri": destination, "LocalPath": CONTAINER_OUTPUT,
                "S3UploadMode": "EndOfJob"}}]},
        "StoppingCondition": {"MaxRuntimeInSeconds": runtime},
        "NetworkConfig": {"EnableNetworkIsolation": True,
                          "EnableInterContainerTrafficEncryption": True}}}


def pipeline_definition(settings: AllocationSettings, names: AllocationNames, role_arn: str,
                        key_arn: str, repository_url: str) -> PipelineDefinition:
    config = settings.sagemaker
    artifacts = f"s3://{names.bucket('model-artifacts')}/{ARTIFACTS_PREFIX}"
    processor = f"{repository_url}:scenario-processor-{config.processor_image_tag}"
    search = f"{repository_url}:hyperparameter-search-{config.search_image_tag}"
    runtime = config.max_runtime_hours * 3600
    training: dict = {
        "AlgorithmSpecification": {"TrainingImage": search, "TrainingInputMode": "File"},
        "RoleArn": role_arn,
        "InputDataConfig": [{"ChannelName": "scenarios", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": _output("ScenarioGeneration", "output"),
            "S3DataDistributionType": "ShardedByS3Key"}}}],
        "OutputDataConfig": {"S3OutputPath": f"{artifacts}models", "KmsKeyId": key_arn},
        "ResourceConfig": {"InstanceType": parameter("ProcessingInstanceType"),
                           "InstanceCount": parameter("OptimizationInstances"),
                           "VolumeSizeInGB": 30, "VolumeKmsKeyId": key_arn},
        "StoppingCondition": {"MaxRuntimeInSeconds": runtime},
        "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True}
    if config.spot:
        # Spot capacity may be reclaimed: training resumes from the last checkpoint.
        training.update(EnableManagedSpotTraining=True,
                        CheckpointConfig={"S3Uri": f"{artifacts}checkpoints"})
        training["StoppingCondition"]["MaxWaitTimeInSeconds"] = 2 * runtime
    return PipelineDefinition(
        parameters={
            "MarketDataUri": ("String", f"s3://{names.bucket('market-data')}/{INPUT_PREFIX}"),
            "ProcessingInstanceType": ("String", config.instance_type),
            "ScenarioInstances": ("Integer", config.max_instances),
            "OptimizationInstances": ("Integer", config.max_instances)},
        steps=(
            _processing("DataValidation", processor, f"{CONTAINER_SCRIPTS}/validate.py", role_arn,
                        key_arn, 1, parameter("MarketDataUri"), f"{artifacts}validated", runtime),
            _processing("ScenarioGeneration", processor, f"{CONTAINER_SCRIPTS}/scenarios.py", role_arn,
                        key_arn, parameter("ScenarioInstances"),
                        _output("DataValidation", "output"), f"{artifacts}scenarios", runtime),
            {"Name": "DistributedOptimization", "Type": "Training", "Arguments": training},
        ))


def build_sagemaker(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
                    data: Data) -> SageMakerPipeline:
    env = stack.env
    repository = EcrRepository(stack, "sagemaker_images", EcrRepositoryProps(
        name=names.sagemaker_repository(), kms_key_arn=data.key_arn, account_id=env.account_id,
        region=env.region, force_delete=not settings.storage.deletion_protection,
        # The jobs pull with the pipeline role's own ECR permissions.
        pull_services=()))
    role_arn = f"arn:aws:iam::{env.account_id}:role/{names.sagemaker_role()}"
    return SageMakerPipeline(stack, "optimization_pipeline", SageMakerPipelineProps(
        pipeline_name=names.sagemaker_pipeline(), role_name=names.sagemaker_role(),
        policy_name=names.sagemaker_policy(),
        definition=pipeline_definition(settings, names, role_arn, data.key_arn,
                                       repository.repository_url),
        account_id=env.account_id, region=env.region, kms_key_arn=data.key_arn,
        repository_arns=(repository.repository.arn,),
        read_prefixes=(f"arn:aws:s3:::{names.bucket('market-data')}/{INPUT_PREFIX}",),
        write_prefixes=(f"arn:aws:s3:::{names.bucket('model-artifacts')}/{ARTIFACTS_PREFIX}",),
        description=f"Asset allocation: validation, scenarios, distributed optimization "
                    f"({env.environment})"))
