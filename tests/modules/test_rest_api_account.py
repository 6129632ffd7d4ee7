"""modules/rest_api_account.py alone: API Gateway's account-wide CloudWatch role, trusted by
API Gateway of this account only and writing only this account's and region's log groups."""

from __future__ import annotations

from modules.rest_api_account import AccountLogging, AccountLoggingProps
from tests.conftest import one, statements_of, synth_construct, trust_of

ACCOUNT, REGION = "111122223333", "eu-west-1"


def test_role_trust_policy_and_setting():
    stack = synth_construct(lambda s: AccountLogging(s, "logging", AccountLoggingProps(
        role_name="t-apigw-logs", account_id=ACCOUNT, region=REGION)))
    trust = trust_of(stack, "t-apigw-logs")
    assert trust["principals"] == [{"type": "Service", "identifiers": ["apigateway.amazonaws.com"]}]
    assert trust["condition"] == [
        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [ACCOUNT]}]
    (statement,) = statements_of(stack, "t-apigw-logs").values()
    groups = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"
    assert statement["resources"] == [groups, f"{groups}:log-stream:*"]
    assert statement["actions"] == ["logs:CreateLogGroup", "logs:CreateLogStream",
                                    "logs:DescribeLogGroups", "logs:DescribeLogStreams",
                                    "logs:PutLogEvents"]
    assert one(stack, "aws_iam_role_policy")["name"] == "push-to-cloudwatch-logs"
    account = one(stack, "aws_api_gateway_account")
    assert account["cloudwatch_role_arn"].startswith("${aws_iam_role.")
    assert account["reset_on_delete"] is True
    assert account["depends_on"][0].startswith("aws_iam_role_policy.")
