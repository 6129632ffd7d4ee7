"""modules/action_function.py alone: defaults, the KMS branch, its trust and permissions."""

from __future__ import annotations

import pytest

from modules.action_function import ActionFunction, ActionFunctionProps
from tests.conftest import fake_package, one, resources, statements_of, synth_construct, trust_of

ACCOUNT, REGION = "111122223333", "eu-west-1"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"
AGENT = "arn:aws:bedrock:eu-west-1:111122223333:agent/AGENT1"


def build(tmp_path, **props):
    def add(stack):
        function = ActionFunction(stack, "fn", ActionFunctionProps(
            function_name="t-orders", role_name="t-orders-role", policy_name="t-orders-policy",
            log_group_name="/aws/lambda/t-orders", package=fake_package(tmp_path),
            account_id=ACCOUNT, region=REGION, **props))
        function.allow_bedrock_agent("allow_agent", AGENT)
    return synth_construct(add)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return build(tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory):
    return build(tmp_path_factory.mktemp("kms"), kms_key_arn=KEY,
                 environment={"B": "2", "A": "1"}, reserved_concurrency=3)


def test_defaults(plain):
    fn = one(plain, "aws_lambda_function")
    assert fn["runtime"] == "python3.11" and fn["handler"] == "handler.lambda_handler"
    assert fn["memory_size"] == 256 and fn["timeout"] == 30
    assert fn["reserved_concurrent_executions"] == 10
    assert fn["architectures"] == ["x86_64"]
    assert fn["tracing_config"] == {"mode": "Active"}
    assert fn["logging_config"]["log_format"] == "JSON"
    assert fn["source_code_hash"] and fn["filename"].startswith("assets/")
    assert "kms_key_arn" not in fn and "environment" not in fn
    log_group = one(plain, "aws_cloudwatch_log_group")
    assert log_group["name"] == "/aws/lambda/t-orders" and log_group["retention_in_days"] == 365
    assert "kms_key_id" not in log_group
    assert "DecryptEnvironment" not in statements_of(plain, "t-orders-role")


def test_trust_is_lambda_pinned_to_the_account(plain):
    trust = trust_of(plain, "t-orders-role")
    assert trust["principals"] == [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}]
    assert trust["condition"] == [
        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [ACCOUNT]}]


def test_logs_only_into_its_own_group(plain):
    logs = statements_of(plain, "t-orders-role")["WriteOwnLogs"]
    (resource,) = logs["resources"]
    assert resource.startswith("${aws_cloudwatch_log_group.") and resource.endswith(".arn}:*")
    assert logs["actions"] == ["logs:CreateLogStream", "logs:PutLogEvents"]


def test_customer_key_encrypts_environment_and_logs_and_decrypts_only_via_lambda(encrypted):
    fn = one(encrypted, "aws_lambda_function")
    assert fn["kms_key_arn"] == KEY
    assert fn["environment"] == {"variables": {"A": "1", "B": "2"}}
    assert fn["reserved_concurrent_executions"] == 3
    assert one(encrypted, "aws_cloudwatch_log_group")["kms_key_id"] == KEY
    decrypt = statements_of(encrypted, "t-orders-role")["DecryptEnvironment"]
    assert decrypt["actions"] == ["kms:Decrypt"] and decrypt["resources"] == [KEY]
    assert decrypt["condition"] == [{"test": "StringEquals", "variable": "kms:ViaService",
                                     "values": ["lambda.eu-west-1.amazonaws.com"]}]


def test_bedrock_permission_names_one_agent_and_the_account(plain):
    permission = one(plain, "aws_lambda_permission")
    assert permission["principal"] == "bedrock.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["source_arn"] == AGENT and permission["source_account"] == ACCOUNT


def test_invoke_statements_name_only_this_function(tmp_path):
    captured = {}

    def add(stack):
        function = ActionFunction(stack, "fn", ActionFunctionProps(
            function_name="t", role_name="r", policy_name="p", log_group_name="/aws/lambda/t",
            package=fake_package(tmp_path), account_id=ACCOUNT, region=REGION))
        captured["statements"] = function.invoke_statements()
        captured["arn"] = function.function_arn
    synth_construct(add)
    (statement,) = captured["statements"]
    assert statement.actions == ("lambda:InvokeFunction",)
    assert statement.resources == (captured["arn"],)


def test_vpc_placement_uses_the_subnets_and_groups_and_grants_only_their_interfaces(tmp_path):
    placed = build(tmp_path, subnet_ids=("subnet-1", "subnet-2"), security_group_ids=("sg-1",))
    fn = one(placed, "aws_lambda_function")
    assert fn["vpc_config"] == {"subnet_ids": ["subnet-1", "subnet-2"],
                                "security_group_ids": ["sg-1"]}
    statements = statements_of(placed, "t-orders-role")
    manage = statements["ManageOwnNetworkInterfaces"]
    prefix = f"arn:aws:ec2:{REGION}:{ACCOUNT}"
    assert manage["resources"] == [f"{prefix}:network-interface/*", f"{prefix}:subnet/subnet-1",
                                   f"{prefix}:subnet/subnet-2", f"{prefix}:security-group/sg-1"]
    assert "ec2:CreateNetworkInterface" in manage["actions"]
    assert statements["DescribeNetwork"]["resources"] == ["*"]
    assert all(a.startswith("ec2:Describe") for a in statements["DescribeNetwork"]["actions"])


def test_no_vpc_by_default(plain):
    assert "vpc_config" not in one(plain, "aws_lambda_function")
    assert "ManageOwnNetworkInterfaces" not in statements_of(plain, "t-orders-role")
