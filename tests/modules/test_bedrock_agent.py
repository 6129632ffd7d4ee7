"""modules/bedrock_agent.py + modules/agent_collaboration.py: prepare ordering and aliases."""

from __future__ import annotations

from tests.conftest import resources


def by_name(dev):
    return {a["agent_name"].split("-")[1]: (k, a)
            for k, a in resources(dev, "aws_bedrockagent_agent").items()}


def test_supervisor_is_created_unprepared_specialists_prepared(dev):
    agents = by_name(dev)
    assert agents["supervisor"][1]["prepare_agent"] is False
    for key in ("scheduling", "information", "notes", "chitchat"):
        assert agents[key][1]["prepare_agent"] is True


def test_action_group_waits_for_the_invoke_permission(dev):
    for group in resources(dev, "aws_bedrockagent_agent_action_group").values():
        assert group["agent_version"] == "DRAFT"
        assert any(d.startswith("aws_lambda_permission.") for d in group["depends_on"])


def test_aliases_follow_preparation_and_carry_a_configuration_digest(dev):
    aliases = resources(dev, "aws_bedrockagent_agent_alias")
    for key, alias in aliases.items():
        assert alias["description"].startswith("v1; agent configuration ")
        if "supervisor" in key:
            assert any(d.startswith("aws_bedrockagent_agent_collaborator.") for d in alias["depends_on"])
        elif "chitchat" not in key:
            assert any(d.startswith("aws_bedrockagent_agent_action_group.") for d in alias["depends_on"])
    digests = [a["description"] for a in aliases.values()]
    assert len(set(digests)) == 5


def test_agents_are_encrypted_and_guarded(dev):
    for _, agent in by_name(dev).values():
        assert agent["customer_encryption_key_arn"].startswith("${aws_kms_key.")
        guardrail = agent["guardrail_configuration"][0]
        assert guardrail["guardrail_identifier"].startswith("${aws_bedrock_guardrail.")
        assert guardrail["guardrail_version"].startswith("${aws_bedrock_guardrail_version.")
        assert 40 <= len(agent["instruction"]) <= 4000
