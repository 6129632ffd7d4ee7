"""The cicd part: seven CodePipelines V2 (one per project of the specification) with path
triggers, GitHub through one CodeStar connection, a CodeBuild project each, the ECS deploy for
container apps, a KMS-encrypted artifact bucket, and roles scoped to each project's own
repository, prefix, distribution and service. Synthesized JSON and the gated plan."""

from __future__ import annotations

import pytest

from systems.portal import catalog
from tests.conftest import data_sources, one, ref_id, resources, statements_of, trust_of

DOCKER = [p for p in catalog.PIPELINES if p.kind == "docker"]
NPM = [p for p in catalog.PIPELINES if p.kind == "npm"]


def values(stack: dict, resource_type: str) -> list[dict]:
    return list(resources(stack, resource_type).values())


def pipelines(cicd: dict) -> dict[str, dict]:
    return {p["name"]: p for p in values(cicd, "aws_codepipeline")}


def projects(cicd: dict) -> dict[str, dict]:
    return {p["name"]: p for p in values(cicd, "aws_codebuild_project")}


def test_seven_v2_pipelines_with_the_specifications_path_filters(portal):
    found = pipelines(portal["cicd"])
    assert sorted(found) == sorted(f"{p.key}-pipeline" for p in catalog.PIPELINES)
    seed_paths = {"lang-portal-frontend": "aws/lang-portal-frontend/**/*",
                  "lang-portal-backend": "aws/lang-portal-backend/**/*",
                  "haiku-frontend": "aws/haiku-generator-frontend/**/*",
                  "haiku-backend": "aws/haiku-generator-backend/**/*",
                  "vocab-frontend": "aws/vocab-generator-frontend/**/*",
                  "vocab-backend": "aws/vocab-generator-backend/**/*",
                  "writing-practice": "aws/writing-practice-frontend/**/*"}
    for key, path in seed_paths.items():
        pipeline = found[f"{key}-pipeline"]
        assert pipeline["pipeline_type"] == "V2"
        (trigger,) = pipeline["trigger"]
        assert trigger["provider_type"] == "CodeStarSourceConnection"
        push = trigger["git_configuration"]["push"][0]
        assert push["file_paths"]["includes"] == [path]
        assert push["branches"]["includes"] == ["main"]
        source = pipeline["stage"][0]["action"][0]
        assert source["provider"] == "CodeStarSourceConnection"
        assert source["configuration"]["BranchName"] == "main"
        assert source["configuration"]["FullRepositoryId"].endswith("/free-genai-bootcamp-2025")
        assert source["configuration"]["ConnectionArn"].startswith(
            "${aws_codestarconnections_connection.")


def test_artifacts_kms_encrypted_in_a_private_logged_bucket(portal):
    cicd = portal["cicd"]
    bucket = one(cicd, "aws_s3_bucket")
    assert bucket["bucket"] == "genai-bootcamp-pipeline-artifacts"
    key_ref = "${aws_kms_key." + ref_id(one(cicd, "aws_kms_alias")["target_key_id"]) + ".arn}"
    for pipeline in pipelines(cicd).values():
        (store,) = pipeline["artifact_store"]
        assert store["location"] == "genai-bootcamp-pipeline-artifacts"
        assert store["encryption_key"] == {"id": key_ref, "type": "KMS"}
    sse = one(cicd, "aws_s3_bucket_server_side_encryption_configuration")["rule"][0]
    assert sse["apply_server_side_encryption_by_default"]["kms_master_key_id"] == key_ref
    assert one(cicd, "aws_s3_bucket_versioning")["versioning_configuration"]["status"] == \
        "Enabled"
    block = one(cicd, "aws_s3_bucket_public_access_block")
    assert all(block[k] for k in ("block_public_acls", "block_public_policy",
                                  "ignore_public_acls", "restrict_public_buckets"))
    logging = one(cicd, "aws_s3_bucket_logging")
    assert (logging["target_bucket"], logging["target_prefix"]) == (
        "genai-bootcamp-logs", "s3-access-logs/")
    policy = data_sources(cicd, "aws_iam_policy_document")[
        one(cicd, "aws_s3_bucket_policy")["policy"].strip("${}").split(".")[2]]
    assert any(s.get("sid") == "DenyInsecureTransport" for s in policy["statement"])
    assert one(cicd, "aws_kms_key")["enable_key_rotation"] is True
    connection = one(cicd, "aws_codestarconnections_connection")
    assert (connection["name"], connection["provider_type"]) == ("genai-bootcamp-github",
                                                                 "GitHub")


def test_container_pipelines_build_push_and_deploy_to_their_service(portal):
    cicd = portal["cicd"]
    found, builds = pipelines(cicd), projects(cicd)
    for row in DOCKER:
        service = next(s for s in catalog.SERVICES if s.key == row.target)
        stages = found[f"{row.key}-pipeline"]["stage"]
        assert [s["name"] for s in stages] == ["Source", "Build", "Deploy"]
        deploy = stages[2]["action"][0]
        assert deploy["provider"] == "ECS"
        assert deploy["configuration"] == {"ClusterName": "genai-bootcamp-cluster",
                                           "ServiceName": service.key,
                                           "FileName": "imagedefinitions.json"}
        project = builds[f"{row.key}-build"]
        assert project["environment"]["privileged_mode"] is True
        env = {v["name"]: v["value"] for v in project["environment"]["environment_variable"]}
        assert env["APP_DIR"] == row.source_dir and env["CONTAINER"] == service.container
        assert env["REPOSITORY_URI"].endswith(f"/{service.repository}")
        spec = project["source"]["buildspec"]
        assert "docker push" in spec and "imagedefinitions.json" in spec
        # Immutable tags: one per commit (the `$${` escape renders bash's `${`).
        assert "$${CODEBUILD_RESOLVED_SOURCE_VERSION:0:12}" in spec
        role = statements_of(cicd, f"{row.key}-build-role")
        assert role["PushImage"]["resources"] == [
            f"arn:aws:ecr:us-east-1:{_account(cicd)}:repository/{service.repository}"]
        run = statements_of(cicd, f"{row.key}-pipeline-role")
        update = next(s for sid, s in run.items() if sid.startswith("UpdateService"))
        assert update["resources"] == [f"arn:aws:ecs:us-east-1:{_account(cicd)}:service/"
                                       f"genai-bootcamp-cluster/{service.key}"]
        passed = next(s for sid, s in run.items() if sid.startswith("PassTaskRoles"))
        assert sorted(r.rsplit("/", 1)[1] for r in passed["resources"]) == [
            "bedrock-execution-role", "genai-bootcamp-task-execution"]
        assert passed["condition"][0]["values"] == ["ecs-tasks.amazonaws.com"]


def test_site_pipelines_build_sync_and_invalidate_their_own_distribution(portal):
    cicd = portal["cicd"]
    found, builds = pipelines(cicd), projects(cicd)
    for row in NPM:
        assert [s["name"] for s in found[f"{row.key}-pipeline"]["stage"]] == ["Source", "Build"]
        project = builds[f"{row.key}-build"]
        assert project["environment"]["privileged_mode"] is False
        spec = project["source"]["buildspec"]
        for command in ("npm ci", "npm run build", "aws s3 sync build/", "--sse aws:kms",
                        "aws cloudfront create-invalidation"):
            assert command in spec
        env = {v["name"]: v["value"] for v in project["environment"]["environment_variable"]}
        assert (env["SITE_BUCKET"], env["SITE_PREFIX"]) == ("genai-bootcamp-frontend-assets",
                                                             row.target)
        assert "prod-portal-edge" in env["DISTRIBUTION_ID"]
        role = statements_of(cicd, f"{row.key}-build-role")
        assert role["WriteSite"]["resources"] == [
            f"arn:aws:s3:::genai-bootcamp-frontend-assets/{row.target}/*"]
        assert role["ListSitePrefix"]["condition"][0]["values"] == [
            f"{row.target}/", f"{row.target}/*"]
        (distribution,) = role["InvalidateSite"]["resources"]
        assert "prod-portal-edge" in distribution and row.target.replace("-", "_") in distribution


def test_projects_encrypted_and_logging_seven_days(portal):
    cicd = portal["cicd"]
    groups = resources(cicd, "aws_cloudwatch_log_group")
    for project in projects(cicd).values():
        assert project["encryption_key"].startswith("${aws_kms_key.")
        assert project["source"]["type"] == project["artifacts"]["type"] == "CODEPIPELINE"
        logs = project["logs_config"]["cloudwatch_logs"]
        assert logs["status"] == "ENABLED"
        group = groups[ref_id(logs["group_name"])]
        assert group["name"] == f"/aws/codebuild/{project['name']}"
        assert group["retention_in_days"] == 7 and group["kms_key_id"].startswith(
            "${aws_kms_key.")


def test_roles_trust_their_own_pipeline_or_project_only(portal):
    cicd = portal["cicd"]
    account = _account(cicd)
    for row in catalog.PIPELINES:
        for role, service, arn in (
            (f"{row.key}-pipeline-role", "codepipeline.amazonaws.com",
             f"arn:aws:codepipeline:us-east-1:{account}:{row.key}-pipeline"),
            (f"{row.key}-build-role", "codebuild.amazonaws.com",
             f"arn:aws:codebuild:us-east-1:{account}:project/{row.key}-build"),
        ):
            trust = trust_of(cicd, role)
            assert trust["principals"][0]["identifiers"] == [service]
            conditions = {c["variable"]: c["values"] for c in trust["condition"]}
            assert conditions == {"aws:SourceAccount": [account], "aws:SourceArn": [arn]}
        run = statements_of(cicd, f"{row.key}-pipeline-role")
        assert run["RunArtifacts"]["resources"] == [
            f"arn:aws:s3:::genai-bootcamp-pipeline-artifacts/{f'{row.key}-pipeline'[:20]}*"]
        assert run["RunBuildBuild"]["resources"][0].startswith("${aws_codebuild_project.")


def _account(stack: dict) -> str:
    return stack["provider"]["aws"][0]["allowed_account_ids"][0]


@pytest.mark.terraform
def test_planned_cicd(pipeline_runs):
    run = pipeline_runs["prod-portal-cicd"]
    assert run.error is None, run.error
    planned = [c["change"]["after"] for c in run.plan["resource_changes"]
               if c["type"] == "aws_codepipeline"]
    assert len(planned) == 7
    for pipeline in planned:
        assert pipeline["pipeline_type"] == "V2"
        assert pipeline["artifact_store"][0]["encryption_key"][0]["type"] == "KMS"
    assert not run.gate.failed, [(f.check_id, f.resource) for f in run.gate.failed]
    suppressed = {s.check_id for _, s in run.gate.suppressed}
    # Project encryption (CKV_AWS_147) and artifact encryption (CKV_AWS_78) hold unexcused.
    assert not suppressed & {"CKV_AWS_147", "CKV_AWS_78", "CKV_AWS_158"}
