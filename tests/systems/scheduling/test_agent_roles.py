"""systems/scheduling agent roles: trust, model access and per-agent grants, no wider."""

from __future__ import annotations

import pytest

from tests.conftest import policy_statements, resources

SPECIALISTS_WITH_ACTIONS = ("scheduling", "information", "notes")
SEED_AGENTS = ("supervisor", "scheduling", "information", "notes", "chitchat")


def role_by_name(dev, name):
    roles = {r["name"]: (key, r) for key, r in resources(dev, "aws_iam_role").items()}
    return roles[name]


def inline_policy(dev, role_key):
    for policy in resources(dev, "aws_iam_role_policy").values():
        if policy["role"] == f"${{aws_iam_role.{role_key}.id}}":
            return policy
    raise AssertionError(f"no inline policy on {role_key}")


def statements_by_sid(dev, agent):
    key, _ = role_by_name(dev, f"pf-{agent}-agent-role-dev")
    policy = inline_policy(dev, key)
    assert policy["name"] == f"pf-{agent}-agent-policy"
    return {s["sid"]: s for s in policy_statements(dev, policy["policy"])}


@pytest.mark.parametrize("agent", SEED_AGENTS)
def test_trust_is_bedrock_with_confused_deputy_conditions(dev, agent):
    _, role = role_by_name(dev, f"pf-{agent}-agent-role-dev")
    (trust,) = policy_statements(dev, role["assume_role_policy"])
    assert trust["principals"] == [{"type": "Service", "identifiers": ["bedrock.amazonaws.com"]}]
    conditions = {c["variable"]: c for c in trust["condition"]}
    assert conditions["aws:SourceAccount"]["values"] == ["618048437522"]
    assert conditions["aws:SourceArn"] == {"test": "ArnLike", "variable": "aws:SourceArn",
                                           "values": ["arn:aws:bedrock:us-east-1:618048437522:agent/*"]}


def test_model_access_covers_profile_and_three_regions(dev):
    invoke = statements_by_sid(dev, "chitchat")["InvokeFoundationModel"]
    assert invoke["actions"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert invoke["resources"] == [
        "arn:aws:bedrock:us-east-1:618048437522:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
    ]


def test_chitchat_gets_model_access_only(dev):
    sids = set(statements_by_sid(dev, "chitchat"))
    assert sids == {"InvokeFoundationModel", "UseAgentKey", "ApplyGuardrail"}


def test_supervisor_may_invoke_only_collaborator_aliases(dev):
    statements = statements_by_sid(dev, "supervisor")
    invoke = statements["InvokeCollaborators"]
    assert invoke["actions"] == ["bedrock:GetAgentAlias", "bedrock:InvokeAgent"]
    aliases = {f"${{aws_bedrockagent_agent_alias.{k}.agent_alias_arn}}"
               for k in resources(dev, "aws_bedrockagent_agent_alias") if "supervisor" not in k}
    assert set(invoke["resources"]) == aliases and len(aliases) >= 4
    assert not {"ReadOwnSchema", "InvokeOwnActionFunction"} & set(statements)


@pytest.mark.parametrize("agent", SPECIALISTS_WITH_ACTIONS)
def test_specialist_reads_only_its_schema_and_invokes_only_its_function(dev, agent):
    statements = statements_by_sid(dev, agent)
    (schema,) = statements["ReadOwnSchema"]["resources"]
    assert statements["ReadOwnSchema"]["actions"] == ["s3:GetObject"]
    assert schema.endswith(f".arn}}/{agent}_actions.json")
    (function,) = statements["InvokeOwnActionFunction"]["resources"]
    assert f"function_{agent}_function" in function
    decrypt = statements["DecryptOwnSchema"]
    assert decrypt["condition"][0]["values"] == ["s3.us-east-1.amazonaws.com"]
    assert "InvokeCollaborators" not in statements


def test_no_agent_statement_uses_a_wildcard_resource(dev):
    for key, policy in resources(dev, "aws_iam_role_policy").items():
        for statement in policy_statements(dev, policy["policy"]):
            if statement["sid"] == "WriteTraces":
                continue  # X-Ray segment APIs have no resource-level permissions
            assert "*" not in statement["resources"], (key, statement["sid"])
