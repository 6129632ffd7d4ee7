"""systems/scheduling: the dev stack holds the agent table's agents and action groups, the
deployed names, the team backend, and phase 1.5's secret in staging.

Counts follow the shipped agent table, so adding a row (README) keeps these tests green; the
seed's own five agents are asserted as a subset."""

from __future__ import annotations

from collections import Counter

from tests.conftest import one, policy_statements, resources

SEED_AGENTS = {"supervisor", "scheduling", "information", "notes", "chitchat"}
SEED_ACTION_GROUPS = {"scheduling", "information", "notes"}


def test_counts_follow_the_agent_table(dev, table):
    agents, groups = len(table.agent_keys), len(table.action_groups)
    expected = {
        "aws_bedrockagent_agent": agents,
        "aws_bedrockagent_agent_collaborator": agents - 1,
        "aws_bedrockagent_agent_action_group": groups,
        "aws_bedrockagent_agent_alias": agents,
        "aws_lambda_function": groups,
        "aws_lambda_permission": groups,
        "aws_cloudwatch_log_group": groups,
        "aws_s3_bucket": 1,
        "aws_s3_object": groups,
        "aws_iam_role": agents + groups,
        "aws_iam_role_policy": agents + groups,
        "aws_bedrock_guardrail": 1,
        "aws_bedrock_guardrail_version": 1,
        "aws_kms_key": 1,
    }
    counts = {t: len(v) for t, v in dev["resource"].items()}
    for resource_type, count in expected.items():
        assert counts.get(resource_type) == count, resource_type
    assert set(table.agent_keys) >= SEED_AGENTS and set(table.action_groups) >= SEED_ACTION_GROUPS


def test_agent_names_and_collaboration_modes(dev, table):
    agents = {a["agent_name"]: a for a in resources(dev, "aws_bedrockagent_agent").values()}
    assert sorted(agents) == sorted(f"pf-{k}-agent-dev" for k in table.agent_keys)
    assert Counter(a["agent_collaboration"] for a in agents.values()) == {
        "SUPERVISOR_ROUTER": 1, "DISABLED": len(table.agent_keys) - 1}
    assert agents["pf-supervisor-agent-dev"]["agent_collaboration"] == "SUPERVISOR_ROUTER"
    for agent in agents.values():
        assert agent["foundation_model"] == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
        assert agent["customer_encryption_key_arn"].startswith("${aws_kms_key.")
        assert agent["guardrail_configuration"][0]["guardrail_identifier"].startswith("${aws_bedrock_guardrail.")
        assert 40 <= len(agent["instruction"]) <= 4000
    aliases = resources(dev, "aws_bedrockagent_agent_alias").values()
    assert {a["agent_alias_name"] for a in aliases} == {"v1"}
    assert len({a["description"] for a in aliases}) == len(table.agent_keys)


def test_one_stack_per_environment_and_system_with_its_state_key(stacks):
    assert {"dev-scheduling", "staging-scheduling", "prod-scheduling", "state-backend"} <= set(stacks)
    for env in ("dev", "staging", "prod"):
        s3 = stacks[f"{env}-scheduling"]["terraform"]["backend"]["s3"]
        assert s3 == {
            "bucket": "pf-terraform-state-618048437522",
            "key": f"pf/{env}/scheduling/terraform.tfstate",
            "region": "us-east-1",
            "dynamodb_table": "pf-terraform-locks",
            # backend.tf.json names no state key yet (before the bootstrap): no encryption
            # header, so the bucket's default, the state key, applies.
            "encrypt": False,
            "use_lockfile": True,
        }


def test_outputs_give_what_an_operator_needs(dev, table):
    outputs = dev["output"]
    for key in table.agent_keys:
        assert {f"{key}_agent_id", f"{key}_alias_id", f"{key}_alias_arn"} <= set(outputs)
    for group in table.action_groups:
        assert f"{group}_function_arn" in outputs
    assert "schema_bucket" in outputs
    for output in outputs.values():
        assert output.get("sensitive") is not True  # nothing secret is exported


def test_environments_use_their_own_names(stacks, table):
    names = {env: sorted(f["function_name"] for f in
                         resources(stacks[f"{env}-scheduling"], "aws_lambda_function").values()
                         if "-actions" in f["function_name"])
             for env in ("dev", "staging", "prod")}
    assert names["dev"] == sorted(f"pf-{g}-actions" for g in table.action_groups)
    assert names["staging"] == sorted(f"pf-{g}-actions-staging" for g in table.action_groups)
    prod = resources(stacks["prod-scheduling"], "aws_lambda_function").values()
    assert {f["reserved_concurrent_executions"] for f in prod} == {50}
    assert {g["retention_in_days"] for g in
            resources(stacks["prod-scheduling"], "aws_cloudwatch_log_group").values()} == {731}


def test_no_list_element_lost_its_keys(stacks):
    """jsii silently drops multi-word keys of plain dicts in lists; an empty block betrays it."""
    def walk(node, path):
        if isinstance(node, list):
            for index, item in enumerate(node):
                assert item != {}, f"empty block at {path}[{index}]"
                walk(item, f"{path}[{index}]")
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
    for name, stack in stacks.items():
        walk(stack.get("resource", {}), name)
        walk(stack.get("data", {}), name)


def test_phase_1_uses_mock_data_and_creates_no_secret(dev):
    for function in resources(dev, "aws_lambda_function").values():
        assert function["environment"]["variables"]["USE_MOCK_API"] == "true"
        assert "PF360_API_BASE_URL" not in function["environment"]["variables"]
    assert "aws_secretsmanager_secret" not in dev["resource"]


def test_phase_1_5_reads_pf360_credentials_from_secrets_manager(stacks):
    staging = stacks["prod-scheduling"]  # phase 1.5 exactly (staging runs phase 2)
    secret = one(staging, "aws_secretsmanager_secret")
    assert secret["name"] == "pf/prod/pf360/api-credentials"
    assert secret["kms_key_id"].startswith("${aws_kms_key.")
    assert "aws_secretsmanager_secret_version" not in staging["resource"]  # no value in Terraform
    secret_arn = "${aws_secretsmanager_secret." + next(iter(resources(staging, "aws_secretsmanager_secret"))) + ".arn}"
    for function in resources(staging, "aws_lambda_function").values():
        if "-actions" not in function["function_name"]:
            continue  # phase 2 functions: tests/systems/scheduling/test_phase2.py
        variables = function["environment"]["variables"]
        assert variables["USE_MOCK_API"] == "false"
        assert variables["PF360_CREDENTIALS_SECRET_ARN"] == secret_arn
        assert variables["PF360_API_BASE_URL"] == "https://api.pf360.com"
        assert not any("PASSWORD" in name or "USERNAME" in name for name in variables)
        role_key = function["role"].split(".")[1]
        policy = next(p for p in resources(staging, "aws_iam_role_policy").values()
                      if p["role"] == f"${{aws_iam_role.{role_key}.id}}")
        by_sid = {s["sid"]: s for s in policy_statements(staging, policy["policy"])}
        assert by_sid["ReadApiCredentials"] == {"sid": "ReadApiCredentials", "effect": "Allow",
                                                "actions": ["secretsmanager:GetSecretValue"],
                                                "resources": [secret_arn]}
        assert by_sid["DecryptApiCredentials"]["condition"][0]["values"] == [
            "secretsmanager.us-east-1.amazonaws.com"]
