"""The API Gateway account setting that lets API Gateway write execution and access logs.

The setting holds one CloudWatch role per account and region, shared by every REST API there,
so only one stack of an account and region may create it; stages that log depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document, service_trust


@dataclass(frozen=True)
class AccountLoggingProps:
    role_name: str
    account_id: str
    region: str
    policy_name: str = "push-to-cloudwatch-logs"


class AccountLogging(Construct):
    """Exposes `account` (the `aws_api_gateway_account` setting, a dependency for stages that
    log) and `role_arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: AccountLoggingProps) -> None:
        super().__init__(scope, construct_id)
        trust = policy_document(self, "trust", [service_trust(
            "apigateway.amazonaws.com", account_id=props.account_id)])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description="API Gateway writes execution and access logs of this account and region")
        log_groups = f"arn:aws:logs:{props.region}:{props.account_id}:log-group:*"
        # The actions of AmazonAPIGatewayPushToCloudWatchLogs that write, limited to the log
        # groups of this account and region; reading logs back is not API Gateway's job.
        policy = policy_document(self, "policy_document", [Statement(
            sid="WriteApiLogs",
            actions=("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups",
                     "logs:DescribeLogStreams", "logs:PutLogEvents"),
            resources=(log_groups, f"{log_groups}:log-stream:*"),
        )])
        role_policy = provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name=props.policy_name, role=role.id, policy=policy.json)
        # API Gateway checks the role when the setting is saved, so the policy must exist first.
        self.account = provider_module("api_gateway_account").ApiGatewayAccount(
            self, "account", cloudwatch_role_arn=role.arn, reset_on_delete=True,
            depends_on=[role_policy])
        self.role_arn: str = role.arn
