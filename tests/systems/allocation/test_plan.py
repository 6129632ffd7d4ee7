"""The asset-allocation stack planned offline (dev, the session's plan) and gated by checkov:
nothing but creates, no unexplained finding, and the checkable facts on planned values
(including the WebSocket stage, the SageMaker pipeline, sampling rules, the anomaly
subscription, the agents' action groups and the identity pool)."""

from __future__ import annotations

import pytest

from modules.pipeline.run import StackRun

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def run(pipeline_runs) -> StackRun:
    return pipeline_runs["dev-allocation"]


def after(run: StackRun, resource_type: str) -> list[dict]:
    return [c["change"]["after"] for c in run.plan["resource_changes"]
            if c["type"] == resource_type and c["mode"] == "managed"]


def test_gate_has_no_unexplained_finding(run):
    gate = run.gate
    assert not gate.failed, [(f.check_id, f.resource) for f in gate.failed]
    assert not gate.unused, gate.unused
    suppressed = {s.check_id for _, s in gate.suppressed}
    # Fixed, never excused: encryption, PITR, tracing, retention, API cache, WAF.
    assert not suppressed & {"CKV_AWS_28", "CKV_AWS_119", "CKV_AWS_158", "CKV_AWS_338",
                             "CKV_AWS_50", "CKV_AWS_120", "CKV_AWS_225", "CKV2_AWS_29",
                             "CKV_AWS_26", "CKV_AWS_352"}


def test_plan_only_creates(run):
    actions = {tuple(c["change"]["actions"]) for c in run.plan["resource_changes"]
               if c["mode"] == "managed"}
    assert actions == {("create",)}


def test_planned_facts(run):
    functions = {f["function_name"]: f for f in after(run, "aws_lambda_function")}
    risk = functions["pf-allocation-portfolio-risk-manager-dev"]
    assert (risk["memory_size"], risk["timeout"], risk["ephemeral_storage"][0]["size"]) == (3008, 900, 10240)
    assert functions["pf-allocation-results-aggregator-dev"]["reserved_concurrent_executions"] == 10
    assert {f["tracing_config"][0]["mode"] for f in functions.values()} == {"Active"}
    assert {g["retention_in_days"] for g in after(run, "aws_cloudwatch_log_group")} == {2557}
    assert all(t["point_in_time_recovery"][0]["enabled"] for t in after(run, "aws_dynamodb_table"))
    assert {(t["min_capacity"], t["max_capacity"]) for t in after(run, "aws_appautoscaling_target")} == {(1, 100)}
    (settings,) = after(run, "aws_api_gateway_method_settings")
    assert settings["settings"][0]["cache_ttl_in_seconds"] == 300
    assert len(after(run, "aws_wafv2_web_acl_association")) == 1
    assert len(after(run, "aws_subnet")) == 9 and len(after(run, "aws_flow_log")) == 1


def test_planned_new_parts(run):
    (stage,) = after(run, "aws_apigatewayv2_stage")
    assert stage["default_route_settings"][0]["throttling_rate_limit"] == 10
    assert stage["access_log_settings"][0]["format"]
    (pipeline,) = after(run, "aws_sagemaker_pipeline")
    # The definition holds the image repository's URL, known only after apply.
    assert pipeline["pipeline_name"] == "pf-allocation-optimization-pipeline-dev"
    assert pipeline["parallelism_configuration"][0]["max_parallel_execution_steps"] == 5
    assert {r["rule_name"] for r in after(run, "aws_xray_sampling_rule")} == {
        "pf-alloc-api-dev", "pf-alloc-functions-dev"}
    assert len(after(run, "aws_ce_anomaly_subscription")) == 1
    assert len(after(run, "aws_bedrockagent_agent_action_group")) == 3
    assert len(after(run, "aws_cognito_identity_pool")) == 1


def test_planned_cdn(run):
    (cdn,) = after(run, "aws_cloudfront_distribution")
    assert cdn["aliases"] == ["allocation-dev.example.com"]
    assert cdn["viewer_certificate"][0]["minimum_protocol_version"] == "TLSv1.2_2021"
    assert cdn["default_cache_behavior"][0]["viewer_protocol_policy"] == "redirect-to-https"
    (certificate,) = after(run, "aws_acm_certificate")
    assert certificate["validation_method"] == "DNS"
    scopes = {a["name"]: a["scope"] for a in after(run, "aws_wafv2_web_acl")}
    assert scopes == {"pf-allocation-api-waf-dev": "REGIONAL", "pf-allocation-cdn-waf-dev": "CLOUDFRONT"}
    # The web ACL on the stage is associated; the distribution names its own.
    assert len(after(run, "aws_wafv2_web_acl_association")) == 1


def test_planned_delivery_pipeline(run):
    (pipeline,) = after(run, "aws_codepipeline")
    assert [s["name"] for s in pipeline["stage"]] == ["Source", "Check", "Plan-dev", "Apply-dev"]
    assert {p["name"] for p in after(run, "aws_codebuild_project")} == {
        "pf-allocation-check-dev", "pf-allocation-plan-dev-dev", "pf-allocation-apply-dev-dev"}
