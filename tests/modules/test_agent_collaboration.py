"""modules/agent_collaboration.py: links are chained, only the last prepares the supervisor."""

from __future__ import annotations

from tests.conftest import resources
from tests.test_bedrock_agent import by_name


def test_collaborator_links_are_chained_and_only_the_last_prepares(dev):
    links = list(resources(dev, "aws_bedrockagent_agent_collaborator").items())
    ordered = {}
    for key, link in links:
        ordered[link["collaborator_name"]] = (key, link)
    names = ["scheduling", "information", "notes", "chitchat"]
    assert sorted(ordered) == sorted(names)
    previous = None
    for name in names:
        key, link = ordered[name]
        assert link["relay_conversation_history"] == "TO_COLLABORATOR"
        assert link["agent_descriptor"][0]["alias_arn"].endswith(".agent_alias_arn}")
        assert link["prepare_agent"] is (name == names[-1])
        if previous:
            assert f"aws_bedrockagent_agent_collaborator.{previous}" in link["depends_on"]
        previous = key
    last = ordered[names[-1]][1]
    supervisor_key = by_name(dev)["supervisor"][0]
    assert last["lifecycle"]["replace_triggered_by"] == [f"aws_bedrockagent_agent.{supervisor_key}"]
