"""Part `cicd`: the specification's seven pipelines ("Separate pipelines per project",
"Path-based triggers for monorepo"), one per row of `catalog.PIPELINES`.

Each is a CodePipeline V2 started by a push to the configured branch that touches the
project's folder, with its source from GitHub through one CodeStar connection (PENDING until
someone approves it in the console), and one CodeBuild project:
- React sites: `npm ci`, tests, `npm run build`, `aws s3 sync` to the site's prefix of the
  front-end bucket (SSE-KMS, as the bucket policy demands) and a CloudFront invalidation;
- container apps: tests, `docker build`, push to the app's ECR repository with the commit as
  the (immutable) tag, `imagedefinitions.json` for the standard ECS deploy action.
Artifacts go to `<stem>-pipeline-artifacts` (versioned, private, TLS-only, access-logged,
encrypted with this part's key `alias/<stem>-pipelines`, which also encrypts the projects and
their logs). Every pipeline and project has its own role, scoped to its repository, prefix,
distribution, service and log group.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.aws import provider_module
from modules.code_pipeline import (CodePipeline, CodePipelineProps, GitPushTrigger, Stage,
                                   artifact_prefix_arn, codebuild_action, codestar_source,
                                   ecs_deploy_action)
from modules.codebuild_project import CodeBuildProject, CodeBuildProjectProps
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.policy import Statement, kms_via_service
from modules.secure_bucket import LifecycleRule, SecureBucket, SecureBucketProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.portal import catalog
from systems.portal.edge import Edge
from systems.portal.names import PortalNames
from systems.portal.network import SEED_RETENTION, Network
from systems.portal.settings import PortalSettings

#: Days a run's artifacts are kept (they are only inputs of the run's later stages).
ARTIFACT_DAYS = 30

NPM_BUILDSPEC = """version: 0.2
env:
  shell: bash
  variables:
    CI: "true"
phases:
  install:
    runtime-versions:
      nodejs: 20
  build:
    on-failure: ABORT
    commands:
      - cd "$APP_DIR"
      - npm ci
      - npm test
      - npm run build
  post_build:
    on-failure: ABORT
    commands:
      - cd "$CODEBUILD_SRC_DIR/$APP_DIR"
      - aws s3 sync build/ "s3://$SITE_BUCKET/$SITE_PREFIX/" --delete --sse aws:kms --sse-kms-key-id "$SITE_KEY_ARN"
      - aws cloudfront create-invalidation --distribution-id "$DISTRIBUTION_ID" --paths "/*"
"""

#: `$${` is Terraform's escape for a literal `${` (bash's substring of the commit id).
DOCKER_BUILDSPEC = """version: 0.2
env:
  shell: bash
phases:
  pre_build:
    on-failure: ABORT
    commands:
      - cd "$APP_DIR"
      - pip install -r requirements.txt
      - pytest
      - aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY"
  build:
    on-failure: ABORT
    commands:
      - cd "$CODEBUILD_SRC_DIR/$APP_DIR"
      - TAG="$${CODEBUILD_RESOLVED_SOURCE_VERSION:0:12}"
      - docker build -t "$REPOSITORY_URI:$TAG" .
      - docker push "$REPOSITORY_URI:$TAG"
      - printf '[{"name":"%s","imageUri":"%s"}]' "$CONTAINER" "$REPOSITORY_URI:$TAG" > "$CODEBUILD_SRC_DIR/imagedefinitions.json"
artifacts:
  files:
    - imagedefinitions.json
"""


@dataclass(frozen=True)
class Cicd:
    #: Pipeline key -> pipeline.
    pipelines: dict[str, CodePipeline]
    connection_arn: str


def build_cicd(stack: SystemStack, settings: PortalSettings, names: PortalNames,
               network: Network, edge: Edge) -> Cicd:
    env, config = stack.env, settings.cicd
    retention = settings.monitoring.log_retention_days
    key = EncryptionKey(stack, "pipeline_key", EncryptionKeyProps(
        alias=names.key_alias("pipelines"), account_id=env.account_id, region=env.region,
        description="Portal pipelines: artifacts, build projects and their logs",
        allow_cloudwatch_logs=True))
    artifacts = SecureBucket(stack, "artifact_bucket", SecureBucketProps(
        bucket_name=names.artifact_bucket(), kms_key_arn=key.key_arn,
        noncurrent_version_expiration_days=7,
        lifecycle_rules=(LifecycleRule("expire-artifacts", expiration_days=ARTIFACT_DAYS),),
        access_log_bucket=names.bucket(catalog.LOGS_BUCKET),
        access_log_prefix=catalog.ACCESS_LOG_PREFIX))
    for check, reason in (
        ("CKV_AWS_144", "Pipeline artifacts live for one run and expire after 30 days; a "
                        "second-region copy has nothing to recover."),
        ("CKV2_AWS_62", "Nothing reacts to new artifacts: the pipeline hands them to its next "
                        "stage itself."),
    ):
        suppress(artifacts.bucket, check, reason)
    connection = provider_module("codestarconnections_connection").CodestarconnectionsConnection(
        stack, "github", name=names.connection(), provider_type="GitHub")
    pipelines = {}
    for row in catalog.PIPELINES:
        ident = row.key.replace("-", "_")
        prefix = artifact_prefix_arn(names.artifact_bucket(), names.pipeline(row.key))
        if row.kind == "npm":
            environment, statements = _site_build(stack, names, network, edge, row)
        else:
            environment, statements = _image_build(stack, names, row)
        project = CodeBuildProject(stack, f"build_{ident}", CodeBuildProjectProps(
            name=names.build_project(row.key), role_name=names.build_role(row.key),
            account_id=env.account_id, region=env.region,
            buildspec=NPM_BUILDSPEC if row.kind == "npm" else DOCKER_BUILDSPEC,
            kms_key_arn=key.key_arn, artifact_prefix_arn=prefix,
            log_group_name=names.build_log_group(row.key), log_retention_days=retention,
            environment=(("APP_DIR", row.source_dir), *environment),
            privileged=row.kind == "docker", image=config.build_image,
            compute_type=config.compute_type, statements=statements,
            description=f"Builds {row.source_dir}"))
        if retention < 365:
            suppress(project.log_group, "CKV_AWS_338", SEED_RETENTION)
        if row.kind == "docker":
            suppress(project.project, "CKV_AWS_316",
                     "The project builds a container image (docker build, docker push), which "
                     "needs a privileged build container; it runs only this repository's "
                     "Dockerfile on pushes to the protected branch.")
        stages = [
            Stage("Source", (codestar_source("Source", connection.arn, config.repository,
                                             config.branch),)),
            Stage("Build", (codebuild_action("Build", project.name, project.arn, ("source",),
                                             ("build",) if row.kind == "docker" else ()),)),
        ]
        if row.kind == "docker":
            stages.append(Stage("Deploy", (ecs_deploy_action(
                "Deploy", region=env.region, account_id=env.account_id,
                cluster=names.cluster_name(), service=names.service(row.target),
                pass_role_arns=(_role_arn(env.account_id, names.execution_role()),
                                _role_arn(env.account_id, names.bedrock_role())),
                input="build"),)))
        pipelines[row.key] = CodePipeline(stack, f"pipeline_{ident}", CodePipelineProps(
            name=names.pipeline(row.key), role_name=names.pipeline_role(row.key),
            account_id=env.account_id, region=env.region,
            artifact_bucket=names.artifact_bucket(), kms_key_arn=key.key_arn,
            stages=tuple(stages),
            triggers=(GitPushTrigger("Source", (config.branch,), (f"{row.source_dir}/**/*",)),)))
    return Cicd(pipelines=pipelines, connection_arn=connection.arn)


def _role_arn(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def _image_build(stack: SystemStack, names: PortalNames, row: catalog.Pipeline):
    """Push to the service's repository only; the image tag is the commit."""
    env = stack.env
    service = next(s for s in catalog.SERVICES if s.key == row.target)
    registry = f"{env.account_id}.dkr.ecr.{env.region}.amazonaws.com"
    repository = names.repository(service.repository)
    environment = (("REGISTRY", registry), ("REPOSITORY_URI", f"{registry}/{repository}"),
                   ("CONTAINER", service.container))
    statements = (
        # GetAuthorizationToken has no resource-level permissions.
        Statement(sid="EcrLogin", actions=("ecr:GetAuthorizationToken",), resources=("*",)),
        Statement(sid="PushImage",
                  actions=("ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
                           "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
                           "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                  resources=(f"arn:aws:ecr:{env.region}:{env.account_id}:repository/"
                             f"{repository}",)),
    )
    return environment, statements


def _site_build(stack: SystemStack, names: PortalNames, network: Network, edge: Edge,
                row: catalog.Pipeline):
    """Write the site's prefix only (SSE-KMS with the platform key) and invalidate its own
    distribution."""
    env = stack.env
    site = next(s for s in catalog.SITES if s.app == row.target)
    bucket = names.bucket(catalog.FRONTEND_BUCKET)
    distribution = edge.distributions[site.app]
    environment = (("SITE_BUCKET", bucket), ("SITE_PREFIX", site.prefix),
                   ("SITE_KEY_ARN", network.key_arn),
                   ("DISTRIBUTION_ID", distribution.distribution.id))
    statements = (
        Statement(sid="ListSitePrefix", actions=("s3:ListBucket",),
                  resources=(f"arn:aws:s3:::{bucket}",),
                  conditions=(("StringLike", "s3:prefix", (f"{site.prefix}/", f"{site.prefix}/*")),)),
        Statement(sid="WriteSite", actions=("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
                  resources=(f"arn:aws:s3:::{bucket}/{site.prefix}/*",)),
        kms_via_service("EncryptSite", network.key_arn, "s3", env.region,
                        actions=("kms:Decrypt", "kms:GenerateDataKey")),
        Statement(sid="InvalidateSite",
                  actions=("cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"),
                  resources=(distribution.arn,)),
    )
    return environment, statements
