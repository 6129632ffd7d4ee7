"""The agents' action groups on the synthesized stack: one function per collaborator, its
schema object in the KMS-encrypted schema bucket, the action group wired to both, the
function invocable by exactly its agent, and least-privilege grants per group."""

from __future__ import annotations

from tests.conftest import one, resources, statements_of

GROUPS = {"market-analysis": "market_analysis", "risk-assessment": "risk_assessment",
          "strategy-optimizer": "strategy_optimizer"}
MARKET = "arn:aws:s3:::pf-allocation-market-data-dev-618048437522"


def test_each_collaborator_has_an_action_group_with_function_and_schema(allocation_dev):
    groups = {g["action_group_name"]: g for g in resources(allocation_dev, "aws_bedrockagent_agent_action_group").values()}
    assert sorted(groups) == sorted(f"{key}-actions" for key in GROUPS)
    objects = {o["key"]: o for o in resources(allocation_dev, "aws_s3_object").values()}
    assert sorted(objects) == sorted(f"{g}_actions.json" for g in GROUPS.values())
    for o in objects.values():
        assert o["server_side_encryption"] == "aws:kms" and o["kms_key_id"].startswith("${aws_kms_key.")
    functions = {key: f for key, f in resources(allocation_dev, "aws_lambda_function").items()
                 if f["function_name"].endswith("-actions-dev")}
    assert sorted(f["function_name"] for f in functions.values()) == sorted(
        f"pf-allocation-{key}-actions-dev" for key in GROUPS)
    for key, group in groups.items():
        executor = group["action_group_executor"][0]["lambda"]
        (function_key,) = [k for k, f in functions.items() if f["function_name"] == f"pf-allocation-{key}-dev"]
        assert executor == f"${{aws_lambda_function.{function_key}.arn}}"
        s3 = group["api_schema"][0]["s3"][0]
        assert s3["s3_object_key"] == f"{GROUPS[key.removesuffix('-actions')]}_actions.json"
    for function in functions.values():
        assert function["tracing_config"] == {"mode": "Active"} and "vpc_config" not in function
        assert function["environment"]["variables"]["MARKET_DATA_BUCKET"].startswith("pf-allocation-market-data")
    permissions = [p for p in resources(allocation_dev, "aws_lambda_permission").values()
                   if p["principal"] == "bedrock.amazonaws.com"]
    assert len(permissions) == 3 and all("${aws_bedrockagent_agent." in p["source_arn"] for p in permissions)


def test_schema_bucket_is_private_versioned_and_encrypted(allocation_dev):
    buckets = {b["bucket"]: k for k, b in resources(allocation_dev, "aws_s3_bucket").items()}
    key = buckets["pf-allocation-agent-schemas-dev-618048437522"]
    block = next(b for b in resources(allocation_dev, "aws_s3_bucket_public_access_block").values()
                 if b["bucket"] == f"${{aws_s3_bucket.{key}.id}}")
    assert block["block_public_acls"] and block["restrict_public_buckets"]


def test_action_grants_are_least_privilege(allocation_dev):
    market = statements_of(allocation_dev, "pf-allocation-market-analysis-actions-role-dev")
    assert market["ReadPriceFiles"]["resources"] == [f"{MARKET}/incoming/*"]
    assert market["ListPriceFiles"]["condition"][0]["values"] == ["incoming/*"]
    assert not any(a.startswith("dynamodb:") for s in market.values() for a in s["actions"])
    risk = statements_of(allocation_dev, "pf-allocation-risk-assessment-actions-role-dev")
    assert risk["ReadResults"]["actions"] == ["dynamodb:GetItem"]
    assert "aws_dynamodb_table" in risk["ReadResults"]["resources"][0]
    optimizer = statements_of(allocation_dev, "pf-allocation-strategy-optimizer-actions-role-dev")
    assert optimizer["StartOptimizer"]["resources"] == [
        "arn:aws:lambda:us-east-1:618048437522:function:pf-allocation-hyperparameter-optimizer-dev"]
    assert sorted(optimizer["RecordAndReadJobs"]["actions"]) == ["dynamodb:PutItem", "dynamodb:Query"]
    assert not any(a.startswith("s3:") for s in optimizer.values() for a in s["actions"])
    # Each agent role may invoke only its own function and read only its own schema.
    agent = statements_of(allocation_dev, "pf-allocation-risk-assessment-agent-role-dev")
    assert len(agent["InvokeOwnActionFunction"]["resources"]) == 1
    assert agent["ReadOwnSchema"]["resources"][0].endswith("/risk_assessment_actions.json")


def test_supervisor_has_no_action_group(allocation_dev):
    supervisor = next(a for a in resources(allocation_dev, "aws_bedrockagent_agent").values()
                      if a["agent_name"] == "pf-allocation-portfolio-strategy-agent-dev")
    assert supervisor["agent_collaboration"] == "SUPERVISOR_ROUTER"
    assert one(allocation_dev, "aws_bedrock_guardrail")
