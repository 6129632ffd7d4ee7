"""A CodeBuild project run by a CodePipeline: its own role (trust limited to this project's
ARN in this account), a KMS-encrypted log group it alone writes, the project encrypted with
a customer key, source and artifacts handed over by the pipeline.

The role gets the pipeline artifacts it needs (`artifact_prefix_arn`) and its log group; what
the build itself does (push an image, sync a site) is the caller's `statements`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from constructs import Construct

from modules.aws import provider_module
from modules.aws_rules import LOG_RETENTION_DAYS
from modules.policy import Statement, kms_via_service, policy_document, service_trust

COMPUTE_TYPES = ("BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE")


@dataclass(frozen=True)
class CodeBuildProjectProps:
    name: str
    role_name: str
    account_id: str
    region: str
    #: The buildspec (YAML text) run by every build.
    buildspec: str
    #: Customer key of the project's artifacts and of its log group.
    kms_key_arn: str
    #: `arn:aws:s3:::<bucket>/<prefix>` of the pipeline artifacts the build reads and writes.
    artifact_prefix_arn: str
    log_group_name: str
    log_retention_days: int = 365
    #: Plain (non-secret) variables; secrets go in as Secrets Manager ARNs, never values.
    environment: tuple[tuple[str, str], ...] = ()
    #: Docker-in-Docker builds (`docker build`) need a privileged build container.
    privileged: bool = False
    image: str = "aws/codebuild/amazonlinux2-x86_64-standard:5.0"
    compute_type: str = "BUILD_GENERAL1_SMALL"
    timeout_minutes: int = 30
    statements: tuple[Statement, ...] = field(default=())
    description: str = ""

    def __post_init__(self) -> None:
        if self.compute_type not in COMPUTE_TYPES:
            raise ValueError(f"compute_type must be one of {', '.join(COMPUTE_TYPES)}")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError("log_retention_days must be a CloudWatch Logs retention value")
        if not 5 <= self.timeout_minutes <= 2160:
            raise ValueError("timeout_minutes must be 5-2160")
        if not self.artifact_prefix_arn.startswith("arn:aws:s3:::"):
            raise ValueError("artifact_prefix_arn is an S3 object ARN prefix (arn:aws:s3:::...)")


class CodeBuildProject(Construct):
    """Exposes `project` (L1), `arn`, `name`, `role` (L1) and `log_group` (L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: CodeBuildProjectProps) -> None:
        super().__init__(scope, construct_id)
        project_arn = f"arn:aws:codebuild:{props.region}:{props.account_id}:project/{props.name}"
        self.log_group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            self, "log_group", name=props.log_group_name,
            retention_in_days=props.log_retention_days, kms_key_id=props.kms_key_arn)
        trust = policy_document(self, "trust", [service_trust(
            "codebuild.amazonaws.com", account_id=props.account_id,
            source_arn_pattern=project_arn)])
        self.role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"Runs the builds of {props.name}")
        s3 = props.artifact_prefix_arn.removeprefix("arn:aws:s3:::").split("/", 1)[0]
        policy = policy_document(self, "policy_document", [
            Statement(sid="WriteBuildLogs", actions=("logs:CreateLogStream", "logs:PutLogEvents"),
                      resources=(f"{self.log_group.arn}:*",)),
            Statement(sid="PipelineArtifacts",
                      actions=("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
                      resources=(f"{props.artifact_prefix_arn}*",)),
            Statement(sid="ArtifactBucketLocation",
                      actions=("s3:GetBucketLocation", "s3:GetBucketAcl"),
                      resources=(f"arn:aws:s3:::{s3}",)),
            kms_via_service("ArtifactKey", props.kms_key_arn, "s3", props.region,
                            actions=("kms:Decrypt", "kms:GenerateDataKey")),
            *props.statements,
        ])
        role_policy = provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name="build", role=self.role.id, policy=policy.json)
        m = provider_module("codebuild_project")
        self.project = m.CodebuildProject(
            self, "project", name=props.name, description=props.description or None,
            service_role=self.role.arn, encryption_key=props.kms_key_arn,
            build_timeout=props.timeout_minutes,
            source=m.CodebuildProjectSource(type="CODEPIPELINE", buildspec=props.buildspec),
            artifacts=m.CodebuildProjectArtifacts(type="CODEPIPELINE"),
            environment=m.CodebuildProjectEnvironment(
                compute_type=props.compute_type, image=props.image, type="LINUX_CONTAINER",
                image_pull_credentials_type="CODEBUILD", privileged_mode=props.privileged,
                environment_variable=[m.CodebuildProjectEnvironmentEnvironmentVariable(
                    name=name, value=value, type="PLAINTEXT")
                    for name, value in props.environment] or None),
            logs_config=m.CodebuildProjectLogsConfig(
                cloudwatch_logs=m.CodebuildProjectLogsConfigCloudwatchLogs(
                    status="ENABLED", group_name=self.log_group.name),
                s3_logs=m.CodebuildProjectLogsConfigS3Logs(status="DISABLED")),
            # The role's policy must exist before the first build starts.
            depends_on=[role_policy])
        self.arn: str = self.project.arn
        self.name: str = self.project.name
