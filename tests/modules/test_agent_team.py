"""modules/agent_team.py alone in a bare stack: two collaborators, with and without an action
group; creation order for hashicorp/aws 5.100.0; the alias digest; least-privilege roles."""

from __future__ import annotations

import pytest

from modules.action_function import ActionFunction, ActionFunctionProps
from modules.agent_team import ActionGroupSpec, AgentSpec, AgentTeam, AgentTeamProps
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.guardrail import Guardrail, GuardrailProps
from modules.schema_bucket import SchemaBucket, SchemaBucketProps
from tests.conftest import fake_package, resources, statements_of, synth_construct

ACCOUNT, REGION = "111122223333", "eu-west-1"
INSTRUCTION = "You answer questions about orders and nothing else, politely and briefly."


def agent(key: str, **extra) -> AgentSpec:
    return AgentSpec(key=key, agent_name=f"t-{key}", role_name=f"t-{key}-role",
                     policy_name=f"t-{key}-policy", description=f"The {key} agent",
                     instruction=INSTRUCTION, collaboration_instruction=f"Route {key} here.",
                     **extra)


def team_stack(tmp_path, *, with_action_group=True, key=True, guardrail=True,
               package_hash=None, schema_text=None):
    package = fake_package(tmp_path / "pkg")
    if package_hash:
        package = type(package)(**{**package.__dict__, "sha256_b64": package_hash})
    if schema_text:
        package.schema_path.write_text(schema_text)

    def build(stack):
        key_arn = EncryptionKey(stack, "kms", EncryptionKeyProps(
            alias="alias/t", description="k", account_id=ACCOUNT, region=REGION)).key_arn if key else None
        rail = Guardrail(stack, "guardrail", GuardrailProps(name="t", kms_key_arn=key_arn)) \
            if guardrail else None
        action_group = None
        if with_action_group:
            schemas = SchemaBucket(stack, "schemas", SchemaBucketProps(
                bucket_name="t-schemas", kms_key_arn=key_arn, region=REGION,
                schemas={package.schema_key: package.schema_path}))
            function = ActionFunction(stack, "fn", ActionFunctionProps(
                function_name="t-orders", role_name="t-orders-role", policy_name="t-orders-policy",
                log_group_name="/aws/lambda/t-orders", package=package, account_id=ACCOUNT,
                region=REGION, kms_key_arn=key_arn))
            action_group = ActionGroupSpec(name="orders-actions", function=function,
                                           package_hash=package.sha256_b64,
                                           schema=schemas.schema(package.schema_key))
        AgentTeam(stack, "team", AgentTeamProps(
            supervisor=agent("boss"),
            collaborators=(agent("orders", action_group=action_group), agent("smalltalk")),
            foundation_model="anthropic.claude-3-haiku-20240307-v1:0",
            model_arns=("arn:aws:bedrock:eu-west-1::foundation-model/x",),
            account_id=ACCOUNT, region=REGION, kms_key_arn=key_arn, guardrail=rail))
    return synth_construct(build)


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return team_stack(tmp_path_factory.mktemp("full"))


def by_name(stack):
    return {a["agent_name"]: (k, a) for k, a in resources(stack, "aws_bedrockagent_agent").items()}


def alias_of(stack, agent_key):
    return next(a for k, a in resources(stack, "aws_bedrockagent_agent_alias").items()
                if f"agent_{agent_key}_" in k)


def test_defaults_one_agent_role_alias_per_member(full):
    agents = by_name(full)
    assert sorted(agents) == ["t-boss", "t-orders", "t-smalltalk"]
    assert len(resources(full, "aws_bedrockagent_agent_alias")) == 3
    assert {a["agent_alias_name"] for a in resources(full, "aws_bedrockagent_agent_alias").values()} == {"v1"}
    assert agents["t-boss"][1]["agent_collaboration"] == "SUPERVISOR_ROUTER"
    assert agents["t-orders"][1]["agent_collaboration"] == "DISABLED"
    assert {a["idle_session_ttl_in_seconds"] for _, a in agents.values()} == {600}
    links = resources(full, "aws_bedrockagent_agent_collaborator").values()
    assert {link["relay_conversation_history"] for link in links} == {"TO_COLLABORATOR"}


def test_supervisor_unprepared_and_prepared_by_the_last_chained_link(full):
    agents = by_name(full)
    assert agents["t-boss"][1]["prepare_agent"] is False  # #43059
    assert agents["t-orders"][1]["prepare_agent"] is True
    links = {link["collaborator_name"]: (key, link)
             for key, link in resources(full, "aws_bedrockagent_agent_collaborator").items()}
    first_key, first = links["orders"]
    _, last = links["smalltalk"]
    assert first["prepare_agent"] is False and last["prepare_agent"] is True  # #42256
    assert f"aws_bedrockagent_agent_collaborator.{first_key}" in last["depends_on"]
    assert last["lifecycle"]["replace_triggered_by"] == [
        f"aws_bedrockagent_agent.{agents['t-boss'][0]}"]
    supervisor_alias = alias_of(full, "boss")
    assert any(d.startswith("aws_bedrockagent_agent_collaborator.") for d in supervisor_alias["depends_on"])


def test_action_group_after_permission_and_alias_after_action_group(full):
    (group,) = resources(full, "aws_bedrockagent_agent_action_group").values()
    assert group["action_group_name"] == "orders-actions"
    assert any(d.startswith("aws_lambda_permission.") for d in group["depends_on"])
    assert group["api_schema"][0]["s3"][0]["s3_object_key"] == "orders_actions.json"
    assert any(d.startswith("aws_bedrockagent_agent_action_group.")
               for d in alias_of(full, "orders")["depends_on"])
    (permission,) = resources(full, "aws_lambda_permission").values()
    orders_key = by_name(full)["t-orders"][0]
    assert permission["source_arn"] == f"${{aws_bedrockagent_agent.{orders_key}.agent_arn}}"
    assert permission["source_account"] == ACCOUNT


def test_roles_get_exactly_what_their_agent_uses(full):
    orders = statements_of(full, "t-orders-role")
    assert list(orders) == ["InvokeFoundationModel", "ReadOwnSchema", "DecryptOwnSchema",
                            "InvokeOwnActionFunction", "UseAgentKey", "ApplyGuardrail"]
    assert orders["DecryptOwnSchema"]["condition"] == [
        {"test": "StringEquals", "variable": "kms:ViaService", "values": ["s3.eu-west-1.amazonaws.com"]}]
    assert list(statements_of(full, "t-smalltalk-role")) == [
        "InvokeFoundationModel", "UseAgentKey", "ApplyGuardrail"]
    boss = statements_of(full, "t-boss-role")
    aliases = {f"${{aws_bedrockagent_agent_alias.{k}.agent_alias_arn}}"
               for k in resources(full, "aws_bedrockagent_agent_alias") if "boss" not in k}
    assert set(boss["InvokeCollaborators"]["resources"]) == aliases and len(aliases) == 2


def test_without_action_group_key_or_guardrail(tmp_path):
    bare = team_stack(tmp_path, with_action_group=False, key=False, guardrail=False)
    assert "aws_bedrockagent_agent_action_group" not in bare["resource"]
    assert "aws_lambda_permission" not in bare["resource"]
    for _, agent_body in by_name(bare).values():
        assert "customer_encryption_key_arn" not in agent_body
        assert "guardrail_configuration" not in agent_body
    assert list(statements_of(bare, "t-orders-role")) == ["InvokeFoundationModel"]
    assert by_name(bare)["t-orders"][1]["prepare_agent"] is True


def test_alias_digest_follows_package_and_schema_hashes(tmp_path, full):
    """A new code or schema hash changes that agent's alias description (#42586/#42603)."""
    before = alias_of(full, "orders")["description"]
    new_code = team_stack(tmp_path / "a", package_hash="Y29kZSBjaGFuZ2Vk")
    assert alias_of(new_code, "orders")["description"] != before
    assert alias_of(new_code, "smalltalk")["description"] == alias_of(full, "smalltalk")["description"]
    new_schema = team_stack(tmp_path / "b", schema_text='{"openapi": "3.0.3", "paths": {"/x": {}}}')
    assert alias_of(new_schema, "orders")["description"] != before


def test_a_team_needs_a_collaborator():
    with pytest.raises(ValueError, match="at least one collaborator"):
        synth_construct(lambda stack: AgentTeam(stack, "team", AgentTeamProps(
            supervisor=agent("boss"), collaborators=(), foundation_model="m", model_arns=("a",),
            account_id=ACCOUNT, region=REGION)))
