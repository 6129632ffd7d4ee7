"""VPC flow logs to their own encrypted log group, delivered by a role that can write only
there and that only the flow-logs service of this account can assume."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document, service_trust


@dataclass(frozen=True)
class FlowLogsProps:
    vpc_id: str
    log_group_name: str
    role_name: str
    account_id: str
    region: str
    #: Encrypts the log group; None uses CloudWatch Logs' own encryption.
    kms_key_arn: str | None = None
    retention_days: int = 365
    #: "ALL", "ACCEPT" or "REJECT".
    traffic_type: str = "ALL"
    #: Seconds over which records are aggregated (60 or 600).
    max_aggregation_interval: int = 600


class FlowLogs(Construct):
    """Exposes `flow_log` and `log_group` (the L1 resources) and `role_arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: FlowLogsProps) -> None:
        super().__init__(scope, construct_id)
        self.log_group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            self, "log_group", name=props.log_group_name, retention_in_days=props.retention_days,
            kms_key_id=props.kms_key_arn)
        trust = policy_document(self, "trust", [service_trust(
            "vpc-flow-logs.amazonaws.com", account_id=props.account_id,
            source_arn_pattern=f"arn:aws:ec2:{props.region}:{props.account_id}:vpc-flow-log/*")])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"Delivers VPC flow logs to {props.log_group_name}")
        policy = policy_document(self, "policy_document", [
            Statement(sid="WriteOwnLogGroup",
                      actions=("logs:CreateLogStream", "logs:PutLogEvents",
                               "logs:DescribeLogStreams"),
                      resources=(self.log_group.arn, f"{self.log_group.arn}:*")),
            # The service checks that the group exists before delivering.
            Statement(sid="FindOwnLogGroup", actions=("logs:DescribeLogGroups",),
                      resources=(f"arn:aws:logs:{props.region}:{props.account_id}:log-group:*",)),
        ])
        provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name="deliver-flow-logs", role=role.id, policy=policy.json)
        self.flow_log = provider_module("flow_log").FlowLog(
            self, "flow_log", vpc_id=props.vpc_id, traffic_type=props.traffic_type,
            log_destination_type="cloud-watch-logs", log_destination=self.log_group.arn,
            iam_role_arn=role.arn, max_aggregation_interval=props.max_aggregation_interval)
        self.role_arn: str = role.arn
