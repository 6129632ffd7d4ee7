"""An AWS Budgets cost budget: a monthly (or daily) limit in USD, optionally for one service,
that notifies an SNS topic when actual or forecast spend passes a share of the limit.

The topic's policy must let `budgets.amazonaws.com` publish (TopicProps.publisher_services),
and its key must let the service use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement


@dataclass(frozen=True)
class BudgetProps:
    name: str
    limit_usd: int
    #: Percent of the limit that notifies (e.g. 70).
    threshold_percent: int
    topic_arn: str
    time_unit: str = "MONTHLY"
    #: Cost Explorer service names to limit the budget to (e.g. "Amazon Bedrock"); () all.
    services: tuple[str, ...] = ()
    #: Also notify on the forecast passing the threshold, before the spend does.
    forecast: bool = True

    def __post_init__(self) -> None:
        if self.time_unit not in ("DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY"):
            raise ValueError(f"budget {self.name}: time_unit must be DAILY, MONTHLY, QUARTERLY "
                             "or ANNUALLY")
        if self.limit_usd < 1 or not 1 <= self.threshold_percent <= 1000:
            raise ValueError(f"budget {self.name}: limit_usd >= 1, threshold_percent 1-1000")


class Budget(Construct):
    """Exposes `budget` (L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: BudgetProps) -> None:
        super().__init__(scope, construct_id)
        module = provider_module("budgets_budget")
        kinds = ("ACTUAL", "FORECASTED") if props.forecast else ("ACTUAL",)
        self.budget = module.BudgetsBudget(
            self, "budget", name=props.name, budget_type="COST",
            limit_amount=str(props.limit_usd), limit_unit="USD", time_unit=props.time_unit,
            cost_filter=[module.BudgetsBudgetCostFilter(name="Service",
                                                        values=list(props.services))]
            if props.services else None,
            notification=[module.BudgetsBudgetNotification(
                comparison_operator="GREATER_THAN", threshold=props.threshold_percent,
                threshold_type="PERCENTAGE", notification_type=kind,
                subscriber_sns_topic_arns=[props.topic_arn]) for kind in kinds])

    @staticmethod
    def key_policy_statements(account_id: str) -> tuple[Statement, ...]:
        """For the key of an encrypted topic a budget notifies: AWS Budgets encrypts with it
        itself, for budgets of this account only."""
        return (Statement(
            sid="BudgetsEncryptForTopics", actions=("kms:Decrypt", "kms:GenerateDataKey*"),
            resources=("*",), principals=(("Service", ("budgets.amazonaws.com",)),),
            conditions=(("StringEquals", "aws:SourceAccount", (account_id,)),
                        ("ArnLike", "aws:SourceArn", (f"arn:aws:budgets::{account_id}:budget/*",)))),)
