"""A SageMaker pipeline and the role it and its jobs run as.

The definition is built in Python (`PipelineDefinition`: parameters and steps as data) and
given to SageMaker as JSON, so a change to a step is a planned update of one attribute. The
role is trusted by SageMaker of this account only and may: start, describe and stop this
pipeline's processing and training jobs (SageMaker names them `pipelines-*`), pass itself to
them, pull from the given ECR repositories, read and write the given S3 prefixes, write the
jobs' log streams, and use the key through S3 and for job volumes (grants for AWS resources).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, kms_via_service, policy_document, service_trust

_NAME = re.compile(r"[A-Za-z0-9](-*[A-Za-z0-9]){0,255}")
SCHEMA_VERSION = "2020-12-01"
JOB_KINDS = ("processing-job", "training-job")
LOG_GROUPS = ("/aws/sagemaker/ProcessingJobs", "/aws/sagemaker/TrainingJobs")


@dataclass(frozen=True)
class PipelineDefinition:
    """Parameters (name -> (type, default)) and steps (SageMaker step dicts, in order)."""

    parameters: dict[str, tuple[str, Any]]
    steps: tuple[dict[str, Any], ...]

    def __post_init__(self) -> None:
        names = [step.get("Name") for step in self.steps]
        if not names or len(set(names)) != len(names) or not all(names):
            raise ValueError("pipeline steps need unique, non-empty names")
        for name, (kind, _) in self.parameters.items():
            if kind not in ("String", "Integer", "Float", "Boolean"):
                raise ValueError(f"pipeline parameter {name}: type {kind} is not a SageMaker type")

    def to_json(self) -> str:
        return json.dumps({
            "Version": SCHEMA_VERSION, "Metadata": {},
            "Parameters": [{"Name": name, "Type": kind, "DefaultValue": default}
                           for name, (kind, default) in self.parameters.items()],
            "PipelineExperimentConfig": {
                "ExperimentName": {"Get": "Execution.PipelineName"},
                "TrialName": {"Get": "Execution.PipelineExecutionId"}},
            "Steps": list(self.steps)}, sort_keys=True, separators=(",", ":"))


def parameter(name: str) -> dict[str, str]:
    """A reference to a pipeline parameter inside a step."""
    return {"Get": f"Parameters.{name}"}


@dataclass(frozen=True)
class SageMakerPipelineProps:
    pipeline_name: str
    role_name: str
    policy_name: str
    definition: PipelineDefinition
    account_id: str
    region: str
    kms_key_arn: str
    #: Repositories the jobs pull their images from (ARNs).
    repository_arns: tuple[str, ...]
    #: S3 object prefixes (`arn:aws:s3:::bucket/prefix/`) the jobs read, and read and write.
    read_prefixes: tuple[str, ...] = ()
    write_prefixes: tuple[str, ...] = ()
    description: str = ""
    max_parallel_steps: int = 5
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.pipeline_name):
            raise ValueError(f"pipeline name {self.pipeline_name!r}: 1-256 letters, digits and "
                             "'-', starting and ending with a letter or digit")
        if not self.repository_arns:
            raise ValueError(f"pipeline {self.pipeline_name}: give the image repositories")
        for prefix in (*self.read_prefixes, *self.write_prefixes):
            if not prefix.startswith("arn:aws:s3:::") or not prefix.endswith("/"):
                raise ValueError(f"pipeline {self.pipeline_name}: S3 prefix {prefix!r} must be "
                                 "arn:aws:s3:::<bucket>/<prefix>/")


def _buckets(prefixes: tuple[str, ...]) -> dict[str, list[str]]:
    buckets: dict[str, list[str]] = {}
    for prefix in prefixes:
        bucket, _, path = prefix.partition("/")
        buckets.setdefault(bucket, []).append(f"{path}*")
    return buckets


class SageMakerPipeline(Construct):
    """Exposes `pipeline` (L1), `pipeline_arn`, `role` (L1) and `role_arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: SageMakerPipelineProps) -> None:
        super().__init__(scope, construct_id)
        sagemaker = f"arn:aws:sagemaker:{props.region}:{props.account_id}"
        role_arn = f"arn:aws:iam::{props.account_id}:role/{props.role_name}"
        trust = policy_document(self, "trust", [service_trust(
            "sagemaker.amazonaws.com", account_id=props.account_id,
            source_arn_pattern=f"{sagemaker}:*")])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"Pipeline {props.pipeline_name} and its jobs")
        statements = [
            Statement(sid="RunPipelineJobs",
                      actions=("sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob",
                               "sagemaker:StopProcessingJob", "sagemaker:CreateTrainingJob",
                               "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob",
                               "sagemaker:AddTags"),
                      resources=tuple(f"{sagemaker}:{kind}/pipelines-*" for kind in JOB_KINDS)),
            Statement(sid="PassOwnRoleToJobs", actions=("iam:PassRole",), resources=(role_arn,),
                      conditions=(("StringEquals", "iam:PassedToService",
                                   ("sagemaker.amazonaws.com",)),)),
            Statement(sid="PullImages", actions=("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                                 "ecr:BatchCheckLayerAvailability"),
                      resources=props.repository_arns),
            # The registry token has no resource-level permission.
            Statement(sid="RegistryToken", actions=("ecr:GetAuthorizationToken",), resources=("*",)),
            Statement(sid="WriteJobLogs",
                      actions=("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
                      resources=tuple(f"arn:aws:logs:{props.region}:{props.account_id}:log-group:"
                                      f"{group}:*" for group in LOG_GROUPS)),
            kms_via_service("UseKeyThroughS3", props.kms_key_arn, "s3", props.region,
                            actions=("kms:Decrypt", "kms:GenerateDataKey")),
            # Job volumes are encrypted with the key: SageMaker creates grants for the volumes.
            Statement(sid="EncryptJobVolumes", actions=("kms:CreateGrant", "kms:DescribeKey"),
                      resources=(props.kms_key_arn,),
                      conditions=(("Bool", "kms:GrantIsForAWSResource", ("true",)),)),
        ]
        readable = _buckets((*props.read_prefixes, *props.write_prefixes))
        if readable:
            statements.append(Statement(
                sid="ReadData", actions=("s3:GetObject",),
                resources=tuple(f"{b}/{p}" for b, ps in readable.items() for p in ps)))
            for index, (bucket, paths) in enumerate(sorted(readable.items())):
                statements.append(Statement(
                    sid=f"ListData{index}", actions=("s3:ListBucket",), resources=(bucket,),
                    conditions=(("StringLike", "s3:prefix", tuple(paths)),)))
        if props.write_prefixes:
            statements.append(Statement(
                sid="WriteResults", actions=("s3:PutObject", "s3:AbortMultipartUpload"),
                resources=tuple(f"{b}/{p}" for b, ps in _buckets(props.write_prefixes).items()
                                for p in ps)))
        policy = policy_document(self, "policy_document", statements)
        provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name=props.policy_name, role=role.id, policy=policy.json)
        module = provider_module("sagemaker_pipeline")
        self.pipeline = module.SagemakerPipeline(
            self, "pipeline", pipeline_name=props.pipeline_name,
            pipeline_display_name=props.pipeline_name, role_arn=role.arn,
            pipeline_description=props.description or None,
            pipeline_definition=props.definition.to_json(),
            parallelism_configuration=module.SagemakerPipelineParallelismConfiguration(
                max_parallel_execution_steps=props.max_parallel_steps),
            tags=props.tags or None)
        self.role = role
        self.role_arn: str = role.arn
        self.pipeline_arn: str = self.pipeline.arn
