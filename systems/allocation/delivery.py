"""Delivery pipeline (`cicd.enabled`): CodePipeline V2 `<prefix>-allocation-delivery-<env>`
started by a push to `cicd.branch` of `cicd.repository` (GitHub, through a CodeStar connection
that stays PENDING until someone approves it in the console).

Stages:
1. Source.
2. Check (`<prefix>-allocation-check-<env>`): this project's own gate for every target:
   `python -m modules.pipeline.run --only <target>-allocation` (synth, offline plan, destroy
   guard, checkov gate with 0 unexplained findings), JUnit results as a CodeBuild report.
3. Per target, in `cicd.targets` order:
   - Plan-<target> (`plan-<target>`): synthesize the target's stack and `terraform plan
     -out=tfplan` against its real state with the target's deployer role; the plan is printed
     in the build log and handed on as an artifact (stack folder, lock file, plan);
   - Approve-<target> when the target is in `cicd.approval_before`: a manual approval,
     announced on the alarm topic, naming the build log to review;
   - Apply-<target> (`apply-<target>`): `terraform apply tfplan`: exactly the reviewed plan
     (Terraform refuses a plan whose state has moved on since).

The build roles hold no deploy permissions: plan and apply assume `cicd.deployer_roles[target]`
through an AWS profile (`credential_source = EcsContainer`, so no keys pass through the
environment); the check build needs no AWS access at all (the offline plan uses fake
credentials). Terraform comes from HashiCorp's signed package repository at the version CI
tests (`TERRAFORM_VERSION`). Artifacts are in a versioned, KMS-encrypted, access-logged bucket
and expire after 30 days; projects and their logs use the stack's key.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.aws import provider_module
from modules.code_pipeline import (CodePipeline, CodePipelineProps, GitPushTrigger, Stage,
                                   artifact_prefix_arn, codebuild_action, codestar_source,
                                   manual_approval)
from modules.codebuild_project import CodeBuildProject, CodeBuildProjectProps
from modules.policy import Statement
from modules.secure_bucket import LifecycleRule, SecureBucket, SecureBucketProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.allocation.data import Data
from systems.allocation.names import AllocationNames
from systems.allocation.settings import AllocationSettings

#: The Terraform release `.ci/run` tests with.
TERRAFORM_VERSION = "1.11.4"
#: Days a run's artifacts (plans included) are kept.
ARTIFACT_DAYS = 30

_INSTALL = """  install:
    runtime-versions:
      python: 3.11
      nodejs: 20
    commands:
      - dnf install -y dnf-plugins-core
      - dnf config-manager --add-repo https://rpm.releases.hashicorp.com/AmazonLinux/hashicorp.repo
      - dnf install -y "terraform-$TERRAFORM_VERSION"
"""
_HEADER = """version: 0.2
env:
  shell: bash
  variables:
    CI: "true"
    CHECKPOINT_DISABLE: "1"
    JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: "20"
phases:
"""
# The deploy role is taken through a profile: the SDKs of the AWS CLI and of Terraform assume it
# with the build's own container credentials.
_PROFILE = """  pre_build:
    on-failure: ABORT
    commands:
      - aws configure set profile.deployer.role_arn "$DEPLOYER_ROLE_ARN"
      - aws configure set profile.deployer.credential_source EcsContainer
      - aws configure set profile.deployer.role_session_name "$CODEBUILD_BUILD_NUMBER"
"""

CHECK_BUILDSPEC = _HEADER + _INSTALL + """      - make setup
  build:
    on-failure: ABORT
    commands:
      - mkdir -p reports
      - for target in $TARGETS; do .venv/bin/python -m modules.pipeline.run --only "$target-allocation" --junit "reports/$target.xml"; done
reports:
  gate:
    files:
      - "reports/*.xml"
    file-format: JUNITXML
"""

PLAN_BUILDSPEC = _HEADER + _INSTALL + """      - make setup
""" + _PROFILE + """  build:
    on-failure: ABORT
    commands:
      - .venv/bin/python main.py --only "$STACK"
      - AWS_PROFILE=deployer terraform -chdir="cdktf.out/stacks/$STACK" init -input=false
      - AWS_PROFILE=deployer terraform -chdir="cdktf.out/stacks/$STACK" plan -input=false -lock-timeout=5m -out=tfplan
      - terraform -chdir="cdktf.out/stacks/$STACK" show -no-color tfplan
      - mkdir plan-out
      - tar -C "cdktf.out/stacks/$STACK" --exclude=.terraform -cf - . | tar -C plan-out -xf -
artifacts:
  base-directory: plan-out
  files:
    - "**/*"
    - ".terraform.lock.hcl"
"""

APPLY_BUILDSPEC = _HEADER + _INSTALL + _PROFILE + """  build:
    on-failure: ABORT
    commands:
      - AWS_PROFILE=deployer terraform init -input=false
      - AWS_PROFILE=deployer terraform apply -input=false -lock-timeout=5m tfplan
"""


@dataclass(frozen=True)
class Delivery:
    pipeline: CodePipeline
    #: `check`, `plan-<target>`, `apply-<target>` -> project.
    projects: dict[str, CodeBuildProject]
    connection_arn: str


def build_delivery(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
                   data: Data, topic_arn: str) -> Delivery | None:
    env, cicd = stack.env, settings.cicd
    if not cicd.enabled:
        return None
    retention = settings.functions.log_retention_days
    bucket_name = names.pipeline_bucket()
    artifacts = SecureBucket(stack, "pipeline_artifacts", SecureBucketProps(
        bucket_name=bucket_name, kms_key_arn=data.key_arn, noncurrent_version_expiration_days=7,
        lifecycle_rules=(LifecycleRule("expire-artifacts", expiration_days=ARTIFACT_DAYS),),
        access_log_bucket=data.access_logs.bucket_name))
    suppress(artifacts.bucket, "CKV_AWS_144", "Pipeline artifacts live for one run and expire "
             "after 30 days; a second-region copy has nothing to recover.")
    suppress(artifacts.bucket, "CKV2_AWS_62", "Nothing reacts to new artifacts: the pipeline "
             "hands them to its next stage itself.")
    connection = provider_module("codestarconnections_connection").CodestarconnectionsConnection(
        stack, "github", name=names.connection(), provider_type="GitHub")
    prefix = artifact_prefix_arn(bucket_name, names.pipeline())

    def project(step: str, buildspec: str, variables: tuple[tuple[str, str], ...],
                timeout: int, statements: tuple[Statement, ...] = ()) -> CodeBuildProject:
        return CodeBuildProject(stack, f"build_{step.replace('-', '_')}", CodeBuildProjectProps(
            name=names.build_project(step), role_name=names.build_role(step),
            account_id=env.account_id, region=env.region, buildspec=buildspec,
            kms_key_arn=data.key_arn, artifact_prefix_arn=prefix,
            log_group_name=names.build_log_group(step), log_retention_days=retention,
            environment=(("TERRAFORM_VERSION", TERRAFORM_VERSION), *variables),
            compute_type=cicd.compute_type, timeout_minutes=timeout, statements=statements,
            description=f"{step} of the asset-allocation stacks"))

    check_name = names.build_project("check")
    projects = {"check": project(
        "check", CHECK_BUILDSPEC, (("TARGETS", " ".join(cicd.targets)),), 60, (
            Statement(sid="GateReports",
                      actions=("codebuild:CreateReportGroup", "codebuild:CreateReport",
                               "codebuild:UpdateReport", "codebuild:BatchPutTestCases"),
                      resources=(f"arn:aws:codebuild:{env.region}:{env.account_id}:report-group/"
                                 f"{check_name}-gate",)),))}
    stages = [
        Stage("Source", (codestar_source("Source", connection.arn, cicd.repository, cicd.branch),)),
        Stage("Check", (codebuild_action("Gate", projects["check"].name, projects["check"].arn,
                                         ("source",), category="Test"),)),
    ]
    for target in cicd.targets:
        role = cicd.deployer_roles[target]
        variables = (("STACK", f"{target}-allocation"), ("DEPLOYER_ROLE_ARN", role))
        assume = (Statement(sid="AssumeDeployerRole", actions=("sts:AssumeRole",),
                            resources=(role,)),)
        plan = projects[f"plan-{target}"] = project(f"plan-{target}", PLAN_BUILDSPEC, variables,
                                                    30, assume)
        apply = projects[f"apply-{target}"] = project(f"apply-{target}", APPLY_BUILDSPEC,
                                                      variables, 120, assume)
        artifact = f"plan_{target.replace('-', '_')}"
        stages.append(Stage(f"Plan-{target}", (codebuild_action(
            f"Plan-{target}", plan.name, plan.arn, ("source",), (artifact,)),)))
        if target in cicd.approval_before:
            stages.append(Stage(f"Approve-{target}", (manual_approval(
                f"Approve-{target}", topic_arn, data.key_arn, env.region,
                f"Review the plan of {target}-allocation in the log of the Plan-{target} build "
                f"({names.build_project(f'plan-{target}')}); approving applies exactly that "
                "plan."),)))
        stages.append(Stage(f"Apply-{target}", (codebuild_action(
            f"Apply-{target}", apply.name, apply.arn, (artifact,), category="Deploy"),)))
    pipeline = CodePipeline(stack, "delivery", CodePipelineProps(
        name=names.pipeline(), role_name=names.pipeline_role(), account_id=env.account_id,
        region=env.region, artifact_bucket=bucket_name, kms_key_arn=data.key_arn,
        stages=tuple(stages), triggers=(GitPushTrigger("Source", (cicd.branch,)),)))
    return Delivery(pipeline=pipeline, projects=projects, connection_arn=connection.arn)
