"""modules/agent_role.py alone: Bedrock trust with confused-deputy conditions, model access,
extra statements in order."""

from __future__ import annotations

from modules.agent_role import AgentRole, AgentRoleProps, model_resource_arns
from modules.policy import Statement
from tests.conftest import one, statements_of, synth_construct, trust_of


def test_trust_and_statements():
    extra = Statement(sid="Extra", actions=("s3:GetObject",), resources=("arn:aws:s3:::b/k",))
    stack = synth_construct(lambda s: AgentRole(s, "role", AgentRoleProps(
        role_name="t-role", policy_name="t-policy", account_id="111122223333", region="eu-west-1",
        model_arns=("arn:aws:bedrock:eu-west-1::foundation-model/m",), extra_statements=(extra,))))
    trust = trust_of(stack, "t-role")
    assert trust["principals"] == [{"type": "Service", "identifiers": ["bedrock.amazonaws.com"]}]
    assert {c["variable"]: c["values"] for c in trust["condition"]} == {
        "aws:SourceAccount": ["111122223333"],
        "aws:SourceArn": ["arn:aws:bedrock:eu-west-1:111122223333:agent/*"]}
    statements = statements_of(stack, "t-role")
    assert list(statements) == ["InvokeFoundationModel", "Extra"]
    assert statements["InvokeFoundationModel"]["actions"] == [
        "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert one(stack, "aws_iam_role_policy")["name"] == "t-policy"


def test_model_arns_for_an_inference_profile_and_a_plain_model():
    assert model_resource_arns("us.anthropic.m-v1:0", account_id="1" * 12, region="us-east-1",
                               inference_regions=("us-east-1", "us-west-2")) == (
        "arn:aws:bedrock:us-east-1:111111111111:inference-profile/us.anthropic.m-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.m-v1:0",
        "arn:aws:bedrock:us-west-2::foundation-model/anthropic.m-v1:0")
    assert model_resource_arns("anthropic.claude-3-haiku-20240307-v1:0", account_id="1" * 12,
                               region="eu-west-1", inference_regions=("eu-west-1",)) == (
        "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",)
