"""A CodePipeline (V2): stages as data (`Stage` of typed `Action`s), Git push triggers with
branch and file-path filters, artifacts in an S3 bucket under the pipeline's own prefix,
encrypted with a customer key, and the pipeline's own role.

Each `Action` carries the grants the pipeline role needs to run it (`grants`), so the role
is exactly the union of its actions' needs plus its artifacts. Builders for the common
actions: `codestar_source` (GitHub/GitLab/Bitbucket through a CodeStar connection),
`codebuild_action`, `ecs_deploy_action`, `manual_approval`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, kms_via_service, policy_document, service_trust

CATEGORIES = ("Source", "Build", "Test", "Deploy", "Approval", "Invoke", "Compute")
#: CodePipeline stores a run's artifacts under the first 20 characters of the pipeline name.
ARTIFACT_PREFIX_LENGTH = 20


@dataclass(frozen=True)
class Action:
    name: str
    category: str
    provider: str
    owner: str = "AWS"
    version: str = "1"
    configuration: tuple[tuple[str, str], ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    run_order: int = 1
    #: Statements the pipeline role needs for this action.
    grants: tuple[Statement, ...] = ()

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"action {self.name}: category must be one of {', '.join(CATEGORIES)}")
        if not re.fullmatch(r"[A-Za-z0-9.@_-]{1,100}", self.name):
            raise ValueError(f"action name {self.name!r}: 1-100 letters, digits, '.@_-'")


@dataclass(frozen=True)
class Stage:
    name: str
    actions: tuple[Action, ...]

    def __post_init__(self) -> None:
        if not self.actions:
            raise ValueError(f"stage {self.name} has no action")


@dataclass(frozen=True)
class GitPushTrigger:
    """Start on a push to `branches` that touches `file_paths` (glob patterns)."""

    source_action: str
    branches: tuple[str, ...] = ("main",)
    file_paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodePipelineProps:
    name: str
    role_name: str
    account_id: str
    region: str
    #: Name of the (versioned, KMS-encrypted) artifact bucket; this pipeline uses its prefix.
    artifact_bucket: str
    kms_key_arn: str
    stages: tuple[Stage, ...]
    triggers: tuple[GitPushTrigger, ...] = ()
    #: QUEUED: every push runs, one after the other (SUPERSEDED skips to the newest).
    execution_mode: str = "QUEUED"

    def __post_init__(self) -> None:
        if len(self.stages) < 2 or self.stages[0].actions[0].category != "Source":
            raise ValueError("a pipeline has at least two stages and starts with a Source stage")
        produced: set[str] = set()
        for stage in self.stages:
            for action in stage.actions:
                missing = set(action.inputs) - produced
                if missing:
                    raise ValueError(f"action {action.name} reads {', '.join(sorted(missing))} "
                                     "before an earlier action produces it")
            produced |= {o for a in stage.actions for o in a.outputs}
        sources = {a.name for a in self.stages[0].actions}
        for trigger in self.triggers:
            if trigger.source_action not in sources:
                raise ValueError(f"trigger names {trigger.source_action}, not a source action")
        if self.execution_mode not in ("QUEUED", "SUPERSEDED", "PARALLEL"):
            raise ValueError("execution_mode must be QUEUED, SUPERSEDED or PARALLEL")


def artifact_prefix_arn(bucket: str, pipeline_name: str) -> str:
    """`arn:aws:s3:::<bucket>/<prefix>` of the objects a pipeline's runs write."""
    return f"arn:aws:s3:::{bucket}/{pipeline_name[:ARTIFACT_PREFIX_LENGTH]}"


def codestar_source(name: str, connection_arn: str, repository: str, branch: str,
                    output: str = "source") -> Action:
    """Source from `owner/repo` at `branch` through a CodeStar connection (the connection
    stays PENDING until someone approves it in the console)."""
    return Action(
        name=name, category="Source", provider="CodeStarSourceConnection",
        configuration=(("ConnectionArn", connection_arn), ("FullRepositoryId", repository),
                       ("BranchName", branch), ("OutputArtifactFormat", "CODE_ZIP"),
                       ("DetectChanges", "true")),
        outputs=(output,),
        grants=(Statement(sid=f"UseConnection{_sid(name)}",
                          actions=("codestar-connections:UseConnection",),
                          resources=(connection_arn,)),))


def codebuild_action(name: str, project_name: str, project_arn: str, inputs: tuple[str, ...],
                     outputs: tuple[str, ...] = (), category: str = "Build") -> Action:
    return Action(
        name=name, category=category, provider="CodeBuild",
        configuration=(("ProjectName", project_name),), inputs=inputs, outputs=outputs,
        grants=(Statement(sid=f"RunBuild{_sid(name)}",
                          actions=("codebuild:StartBuild", "codebuild:BatchGetBuilds"),
                          resources=(project_arn,)),))


def ecs_deploy_action(name: str, *, region: str, account_id: str, cluster: str, service: str,
                      pass_role_arns: tuple[str, ...], input: str,
                      file_name: str = "imagedefinitions.json") -> Action:
    """The standard ECS deploy: a new revision of the service's task definition with the
    images of `file_name`, then a rolling update of the service."""
    service_arn = f"arn:aws:ecs:{region}:{account_id}:service/{cluster}/{service}"
    return Action(
        name=name, category="Deploy", provider="ECS",
        configuration=(("ClusterName", cluster), ("ServiceName", service),
                       ("FileName", file_name)),
        inputs=(input,),
        grants=(
            Statement(sid=f"UpdateService{_sid(name)}",
                      actions=("ecs:DescribeServices", "ecs:UpdateService"),
                      resources=(service_arn,)),
            # Task definition reads and registrations have no resource-level permissions.
            Statement(sid=f"RegisterTaskDefinition{_sid(name)}",
                      actions=("ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"),
                      resources=("*",)),
            # The new revision keeps the tags of the one it copies.
            Statement(sid=f"TagTaskDefinition{_sid(name)}", actions=("ecs:TagResource",),
                      resources=(f"arn:aws:ecs:{region}:{account_id}:task-definition/*",),
                      conditions=(("StringEquals", "ecs:CreateAction",
                                   ("RegisterTaskDefinition",)),)),
            Statement(sid=f"PassTaskRoles{_sid(name)}", actions=("iam:PassRole",),
                      resources=pass_role_arns,
                      conditions=(("StringEquals", "iam:PassedToService",
                                   ("ecs-tasks.amazonaws.com",)),)),
        ))


def manual_approval(name: str, topic_arn: str, key_arn: str, region: str,
                    message: str) -> Action:
    """A manual approval announced on `topic_arn` (KMS-encrypted with `key_arn`)."""
    return Action(
        name=name, category="Approval", provider="Manual",
        configuration=(("NotificationArn", topic_arn), ("CustomData", message)),
        grants=(Statement(sid=f"Announce{name.replace('-', '')}", actions=("sns:Publish",),
                          resources=(topic_arn,)),
                kms_via_service(f"AnnounceKey{name.replace('-', '')}", key_arn, "sns", region,
                                actions=("kms:Decrypt", "kms:GenerateDataKey*"))))


def _sid(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", name.title())


class CodePipeline(Construct):
    """Exposes `pipeline` (L1), `arn`, `name` and `role` (L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: CodePipelineProps) -> None:
        super().__init__(scope, construct_id)
        pipeline_arn = f"arn:aws:codepipeline:{props.region}:{props.account_id}:{props.name}"
        trust = policy_document(self, "trust", [service_trust(
            "codepipeline.amazonaws.com", account_id=props.account_id,
            source_arn_pattern=pipeline_arn)])
        self.role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"Runs the pipeline {props.name}")
        grants = [g for stage in props.stages for action in stage.actions for g in action.grants]
        policy = policy_document(self, "policy_document", [
            Statement(sid="RunArtifacts",
                      actions=("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
                      resources=(f"{artifact_prefix_arn(props.artifact_bucket, props.name)}*",)),
            Statement(sid="ArtifactBucket",
                      actions=("s3:GetBucketVersioning", "s3:GetBucketLocation"),
                      resources=(f"arn:aws:s3:::{props.artifact_bucket}",)),
            kms_via_service("ArtifactKey", props.kms_key_arn, "s3", props.region,
                            actions=("kms:Decrypt", "kms:GenerateDataKey")),
            *_unique(grants),
        ])
        role_policy = provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name="run-pipeline", role=self.role.id, policy=policy.json)
        m = provider_module("codepipeline")
        self.pipeline = m.Codepipeline(
            self, "pipeline", name=props.name, role_arn=self.role.arn, pipeline_type="V2",
            execution_mode=props.execution_mode,
            artifact_store=[m.CodepipelineArtifactStore(
                location=props.artifact_bucket, type="S3",
                encryption_key=m.CodepipelineArtifactStoreEncryptionKey(
                    id=props.kms_key_arn, type="KMS"))],
            stage=[m.CodepipelineStage(name=stage.name, action=[m.CodepipelineStageAction(
                name=a.name, category=a.category, owner=a.owner, provider=a.provider,
                version=a.version, configuration=dict(a.configuration) or None,
                input_artifacts=list(a.inputs) or None, output_artifacts=list(a.outputs) or None,
                run_order=a.run_order) for a in stage.actions]) for stage in props.stages],
            trigger=[m.CodepipelineTrigger(
                provider_type="CodeStarSourceConnection",
                git_configuration=m.CodepipelineTriggerGitConfiguration(
                    source_action_name=t.source_action,
                    push=[m.CodepipelineTriggerGitConfigurationPush(
                        branches=m.CodepipelineTriggerGitConfigurationPushBranches(
                            includes=list(t.branches)),
                        file_paths=m.CodepipelineTriggerGitConfigurationPushFilePaths(
                            includes=list(t.file_paths)) if t.file_paths else None)]))
                for t in props.triggers] or None,
            depends_on=[role_policy])
        self.arn: str = self.pipeline.arn
        self.name: str = self.pipeline.name


def _unique(statements: list[Statement]) -> list[Statement]:
    seen: dict[str | None, Statement] = {}
    for statement in statements:
        if statement.sid in seen and seen[statement.sid] != statement:
            raise ValueError(f"two different grants share the sid {statement.sid}")
        seen[statement.sid] = statement
    return list(seen.values())
