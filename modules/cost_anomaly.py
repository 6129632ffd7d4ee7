"""A Cost Anomaly Detection monitor and its subscription.

The monitor is CUSTOM, scoped by cost-allocation tags (e.g. Project and Environment, which the
stacks put on every resource; activate them as cost-allocation tags in Billing), so each system
and environment watches its own spend; an account may hold only one AWS-services monitor, which
an organization usually owns. The subscription notifies an SNS topic at once (IMMEDIATE) when an
anomaly's total impact reaches `threshold_usd`. The topic's policy must let
`costalerts.amazonaws.com` publish (TopicProps.publisher_services) and its key must let the
service use it (`key_policy_statements`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement

SERVICE = "costalerts.amazonaws.com"
_NAME = re.compile(r"[A-Za-z0-9 _.:/=+@-]{1,1024}")


@dataclass(frozen=True)
class CostAnomalyProps:
    monitor_name: str
    subscription_name: str
    #: Cost-allocation tag key -> value an anomaly's cost must carry (all of them).
    tags: dict[str, str]
    topic_arn: str
    threshold_usd: float

    def __post_init__(self) -> None:
        for name in (self.monitor_name, self.subscription_name):
            if not _NAME.fullmatch(name):
                raise ValueError(f"cost anomaly name {name!r}: 1-1024 letters, digits, spaces "
                                 "and _.:/=+@-")
        if not self.tags:
            raise ValueError(f"cost anomaly monitor {self.monitor_name}: give at least one tag")
        if not self.threshold_usd > 0:
            raise ValueError(f"cost anomaly monitor {self.monitor_name}: threshold_usd must be > 0")


def monitor_specification(tags: dict[str, str]) -> str:
    """The Cost Explorer expression matching costs that carry every tag of `tags`."""
    terms = [{"Tags": {"Key": key, "Values": [value], "MatchOptions": ["EQUALS"]}}
             for key, value in sorted(tags.items())]
    return json.dumps(terms[0] if len(terms) == 1 else {"And": terms}, sort_keys=True)


class CostAnomaly(Construct):
    """Exposes `monitor` and `subscription` (L1) and `monitor_arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: CostAnomalyProps) -> None:
        super().__init__(scope, construct_id)
        self.monitor = provider_module("ce_anomaly_monitor").CeAnomalyMonitor(
            self, "monitor", name=props.monitor_name, monitor_type="CUSTOM",
            monitor_specification=monitor_specification(props.tags))
        subscription = provider_module("ce_anomaly_subscription")
        self.subscription = subscription.CeAnomalySubscription(
            self, "subscription", name=props.subscription_name, frequency="IMMEDIATE",
            monitor_arn_list=[self.monitor.arn],
            subscriber=[subscription.CeAnomalySubscriptionSubscriber(
                type="SNS", address=props.topic_arn)],
            threshold_expression=subscription.CeAnomalySubscriptionThresholdExpression(
                dimension=subscription.CeAnomalySubscriptionThresholdExpressionDimension(
                    key="ANOMALY_TOTAL_IMPACT_ABSOLUTE", match_options=["GREATER_THAN_OR_EQUAL"],
                    values=[f"{props.threshold_usd:g}"])))
        self.monitor_arn: str = self.monitor.arn

    @staticmethod
    def key_policy_statements(account_id: str) -> tuple[Statement, ...]:
        """For the key of an encrypted topic the subscription publishes to: Cost Anomaly
        Detection encrypts with it itself, for this account only."""
        return (Statement(
            sid="CostAlertsEncryptForTopics", actions=("kms:Decrypt", "kms:GenerateDataKey*"),
            resources=("*",), principals=(("Service", (SERVICE,)),),
            conditions=(("StringEquals", "aws:SourceAccount", (account_id,)),)),)
