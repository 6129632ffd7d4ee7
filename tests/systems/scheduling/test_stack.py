"""modules/stacks/environment_stack.py: the dev stack holds exactly seed 000's Phase 1."""

from __future__ import annotations

from collections import Counter

from tests.conftest import resources

EXPECTED_DEV_COUNTS = {
    "aws_bedrockagent_agent": 5,
    "aws_bedrockagent_agent_collaborator": 4,
    "aws_bedrockagent_agent_action_group": 3,
    "aws_bedrockagent_agent_alias": 5,
    "aws_lambda_function": 3,
    "aws_lambda_permission": 3,
    "aws_cloudwatch_log_group": 3,
    "aws_s3_bucket": 1,
    "aws_s3_object": 3,
    # 5 agent roles + 3 Lambda execution roles, each with one inline policy.
    "aws_iam_role": 8,
    "aws_iam_role_policy": 8,
    "aws_bedrock_guardrail": 1,
    "aws_bedrock_guardrail_version": 1,
    "aws_kms_key": 1,
}


def test_dev_stack_has_exactly_phase_1(dev):
    counts = {t: len(v) for t, v in dev["resource"].items()}
    for resource_type, expected in EXPECTED_DEV_COUNTS.items():
        assert counts.get(resource_type) == expected, resource_type


def test_agent_names_and_collaboration_modes(dev):
    agents = {a["agent_name"]: a for a in resources(dev, "aws_bedrockagent_agent").values()}
    assert sorted(agents) == [f"pf-{k}-agent-dev" for k in
                              ("chitchat", "information", "notes", "scheduling", "supervisor")]
    modes = Counter(a["agent_collaboration"] for a in agents.values())
    assert modes == {"SUPERVISOR_ROUTER": 1, "DISABLED": 4}
    assert agents["pf-supervisor-agent-dev"]["agent_collaboration"] == "SUPERVISOR_ROUTER"
    for agent in agents.values():
        assert agent["foundation_model"] == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def test_every_alias_is_v1(dev):
    aliases = resources(dev, "aws_bedrockagent_agent_alias").values()
    assert [a["agent_alias_name"] for a in aliases] == ["v1"] * 5


def test_backend_is_the_team_backend_with_both_locks(stacks):
    for env in ("dev", "staging", "prod"):
        s3 = stacks[env]["terraform"]["backend"]["s3"]
        assert s3 == {
            "bucket": "pf-terraform-state-618048437522",
            "key": f"pf/{env}/terraform.tfstate",
            "region": "us-east-1",
            "dynamodb_table": "pf-terraform-locks",
            "encrypt": True,
            "use_lockfile": True,
        }


def test_outputs_give_what_an_operator_needs(dev):
    outputs = dev["output"]
    for key in ("supervisor", "scheduling", "information", "notes", "chitchat"):
        assert {f"{key}_agent_id", f"{key}_alias_id", f"{key}_alias_arn"} <= set(outputs)
    assert {"scheduling_function_arn", "schema_bucket"} <= set(outputs)
    for output in outputs.values():
        assert output.get("sensitive") is not True  # nothing secret is exported


def test_staging_and_prod_use_their_own_names(stacks):
    functions = {env: sorted(f["function_name"] for f in
                             resources(stacks[env], "aws_lambda_function").values())
                 for env in ("dev", "staging", "prod")}
    assert functions["dev"] == ["pf-information-actions", "pf-notes-actions", "pf-scheduling-actions"]
    assert functions["staging"] == ["pf-information-actions-staging", "pf-notes-actions-staging",
                                    "pf-scheduling-actions-staging"]
    prod = resources(stacks["prod"], "aws_lambda_function").values()
    assert {f["reserved_concurrent_executions"] for f in prod} == {50}


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


def test_phase_1_5_reads_pf360_credentials_from_secrets_manager(stacks):
    from tests.conftest import one, policy_statements

    staging = stacks["staging"]
    secret = one(staging, "aws_secretsmanager_secret")
    assert secret["name"] == "pf/staging/pf360/api-credentials"
    assert secret["kms_key_id"].startswith("${aws_kms_key.")
    assert "aws_secretsmanager_secret_version" not in staging["resource"]  # no value in Terraform
    secret_arn = "${aws_secretsmanager_secret." + next(iter(resources(staging, "aws_secretsmanager_secret"))) + ".arn}"
    for function in resources(staging, "aws_lambda_function").values():
        variables = function["environment"]["variables"]
        assert variables["USE_MOCK_API"] == "false"
        assert variables["PF360_CREDENTIALS_SECRET_ARN"] == secret_arn
        assert variables["PF360_API_BASE_URL"] == "https://api.pf360.com"
        assert not any("PASSWORD" in name or "USERNAME" in name for name in variables)
        role_key = function["role"].split(".")[1]
        policy = next(p for p in resources(staging, "aws_iam_role_policy").values()
                      if p["role"] == f"${{aws_iam_role.{role_key}.id}}")
        read = [s for s in policy_statements(staging, policy["policy"]) if s["sid"] == "ReadApiCredentials"]
        assert read == [{"sid": "ReadApiCredentials", "effect": "Allow",
                         "actions": ["secretsmanager:GetSecretValue"], "resources": [secret_arn]}]
    assert "aws_secretsmanager_secret" not in stacks["dev"]["resource"]
