"""modules/action_function.py: seed 000's runtime, sizing, logs and Bedrock permission."""

from __future__ import annotations

import pytest

from tests.conftest import policy_statements, resources

GROUPS = ("scheduling", "information", "notes")


def function(dev, group):
    for key, fn in resources(dev, "aws_lambda_function").items():
        if fn["function_name"] == f"pf-{group}-actions":
            return key, fn
    raise AssertionError(group)


@pytest.mark.parametrize("group", GROUPS)
def test_seed_runtime_and_sizing(dev, group):
    _, fn = function(dev, group)
    assert fn["runtime"] == "python3.11"
    assert fn["handler"] == "handler.lambda_handler"
    assert fn["memory_size"] == 256 and fn["timeout"] == 30
    assert fn["environment"]["variables"]["USE_MOCK_API"] == "true"
    assert fn["tracing_config"] == {"mode": "Active"}
    assert fn["kms_key_arn"].startswith("${aws_kms_key.")
    assert fn["source_code_hash"] and fn["filename"].startswith("assets/")
    assert fn["reserved_concurrent_executions"] == 10


@pytest.mark.parametrize("group", GROUPS)
def test_log_group_is_terraform_managed_with_retention(dev, group):
    groups = {g["name"]: g for g in resources(dev, "aws_cloudwatch_log_group").values()}
    log_group = groups[f"/aws/lambda/pf-{group}-actions"]
    assert log_group["retention_in_days"] == 365
    assert log_group["kms_key_id"].startswith("${aws_kms_key.")


@pytest.mark.parametrize("group", GROUPS)
def test_logs_are_scoped_to_its_own_log_group(dev, group):
    key, fn = function(dev, group)
    role_key = fn["role"].split(".")[1]
    policy = next(p for p in resources(dev, "aws_iam_role_policy").values()
                  if p["role"] == f"${{aws_iam_role.{role_key}.id}}")
    logs = next(s for s in policy_statements(dev, policy["policy"]) if s["sid"] == "WriteOwnLogs")
    (resource,) = logs["resources"]
    assert resource.startswith("${aws_cloudwatch_log_group.function_" + group) and resource.endswith(".arn}:*")
    assert "logs:CreateLogGroup" not in logs["actions"]


@pytest.mark.parametrize("group", GROUPS)
def test_bedrock_permission_is_restricted_by_source_arn_and_account(dev, group):
    key, _ = function(dev, group)
    permission = next(p for p in resources(dev, "aws_lambda_permission").values()
                      if p["function_name"] == f"${{aws_lambda_function.{key}.function_name}}")
    assert permission["principal"] == "bedrock.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["source_account"] == "618048437522"
    assert permission["source_arn"] == f"${{aws_bedrockagent_agent.agent_{group}_agent_" + \
        permission["source_arn"].split(f"agent_{group}_agent_")[1]
