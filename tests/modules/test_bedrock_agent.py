"""modules/bedrock_agent.py + modules/agent_collaboration.py alone: prepare flags, the
scan-scoped guardrail suppression, the alias digest, chained links."""

from __future__ import annotations

from modules.agent_collaboration import AgentCollaboration, CollaborationProps, CollaboratorLink
from modules.bedrock_agent import BedrockAgent, BedrockAgentProps, GuardrailRef
from modules.suppressions import suppressions_of
from tests.conftest import one, resources, synth_construct

INSTRUCTION = "You answer questions about orders and nothing else, politely and briefly."


def props(**extra) -> BedrockAgentProps:
    return BedrockAgentProps(agent_name="t-agent", role_arn="arn:aws:iam::1:role/r",
                             foundation_model="m", instruction=INSTRUCTION, description="d", **extra)


def test_defaults_specialist_prepared_without_key_or_guardrail():
    stack = synth_construct(lambda s: BedrockAgent(s, "a", props()).add_alias("digest1", depends_on=[]))
    agent = one(stack, "aws_bedrockagent_agent")
    assert agent["prepare_agent"] is True and agent["agent_collaboration"] == "DISABLED"
    assert agent["idle_session_ttl_in_seconds"] == 600
    assert "customer_encryption_key_arn" not in agent and "guardrail_configuration" not in agent
    alias = one(stack, "aws_bedrockagent_agent_alias")
    assert alias["agent_alias_name"] == "v1"
    assert alias["description"] == "v1; agent configuration digest1"


def test_supervisor_is_created_unprepared_and_guardrail_is_scan_scoped():
    captured = {}

    def add(stack):
        agent = BedrockAgent(stack, "a", props(collaboration="SUPERVISOR_ROUTER", kms_key_arn="k",
                                               guardrail=GuardrailRef("gid", "1")))
        captured["suppressions"] = suppressions_of(stack)
    stack = synth_construct(add)
    agent = one(stack, "aws_bedrockagent_agent")
    assert agent["prepare_agent"] is False
    assert agent["guardrail_configuration"] == [{"guardrail_identifier": "gid", "guardrail_version": "1"}]
    assert agent["customer_encryption_key_arn"] == "k"
    (suppression,) = captured["suppressions"]
    assert suppression.check_id == "CKV_AWS_383" and suppression.scan == "terraform_plan"


def test_configuration_digest_changes_with_the_instruction():
    digests = []

    def add(stack, instruction):
        digests.append(BedrockAgent(stack, "a", BedrockAgentProps(
            agent_name="t", role_arn="r", foundation_model="m", instruction=instruction,
            description="d")).configuration_digest())
    synth_construct(lambda s: add(s, INSTRUCTION))
    synth_construct(lambda s: add(s, INSTRUCTION + " Always say thanks."))
    assert digests[0] != digests[1]


def test_links_are_chained_and_only_the_last_prepares_the_supervisor():
    def add(stack):
        supervisor = BedrockAgent(stack, "boss", props(collaboration="SUPERVISOR_ROUTER"))
        helpers = [BedrockAgent(stack, name, props()) for name in ("one", "two", "three")]
        links = tuple(CollaboratorLink(name=h.node.id, alias_arn=f"arn:{h.node.id}", instruction="i",
                                       ready=h.agent) for h in helpers)
        AgentCollaboration(stack, "links", CollaborationProps(supervisor_agent=supervisor.agent,
                                                              links=links))
    stack = synth_construct(add)
    links = {link["collaborator_name"]: (key, link)
             for key, link in resources(stack, "aws_bedrockagent_agent_collaborator").items()}
    assert [links[n][1]["prepare_agent"] for n in ("one", "two", "three")] == [False, False, True]
    assert f"aws_bedrockagent_agent_collaborator.{links['one'][0]}" in links["two"][1]["depends_on"]
    assert f"aws_bedrockagent_agent_collaborator.{links['two'][0]}" in links["three"][1]["depends_on"]
    supervisor_key = next(k for k, a in resources(stack, "aws_bedrockagent_agent").items() if "boss" in k)
    assert links["three"][1]["lifecycle"]["replace_triggered_by"] == [
        f"aws_bedrockagent_agent.{supervisor_key}"]
    assert "lifecycle" not in links["one"][1]
    assert {link["relay_conversation_history"] for _, link in links.values()} == {"TO_COLLABORATOR"}
