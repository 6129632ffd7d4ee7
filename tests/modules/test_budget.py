"""modules/budget.py: a cost budget notifying an SNS topic at a share of its limit."""

from __future__ import annotations

import pytest

from modules.budget import Budget, BudgetProps
from tests.conftest import one, synth_construct


def test_monthly_budget_notifies_actual_and_forecast():
    stack = synth_construct(lambda s: Budget(s, "b", BudgetProps(
        name="t-monthly", limit_usd=100, threshold_percent=70, topic_arn="arn:topic")))
    budget = one(stack, "aws_budgets_budget")
    assert (budget["budget_type"], budget["limit_amount"], budget["limit_unit"],
            budget["time_unit"]) == ("COST", "100", "USD", "MONTHLY")
    assert sorted(n["notification_type"] for n in budget["notification"]) == [
        "ACTUAL", "FORECASTED"]
    for notification in budget["notification"]:
        assert notification["threshold"] == 70
        assert notification["threshold_type"] == "PERCENTAGE"
        assert notification["subscriber_sns_topic_arns"] == ["arn:topic"]
    assert "cost_filter" not in budget


def test_service_filter_and_bounds():
    stack = synth_construct(lambda s: Budget(s, "b", BudgetProps(
        name="t", limit_usd=5, threshold_percent=80, topic_arn="t", time_unit="DAILY",
        services=("Amazon Bedrock",), forecast=False)))
    budget = one(stack, "aws_budgets_budget")
    assert budget["cost_filter"] == [{"name": "Service", "values": ["Amazon Bedrock"]}]
    assert len(budget["notification"]) == 1
    with pytest.raises(ValueError, match="time_unit"):
        BudgetProps(name="t", limit_usd=1, threshold_percent=1, topic_arn="t", time_unit="WEEKLY")
    with pytest.raises(ValueError, match="limit_usd"):
        BudgetProps(name="t", limit_usd=0, threshold_percent=1, topic_arn="t")


def test_key_policy_lets_only_this_accounts_budgets_encrypt():
    (statement,) = Budget.key_policy_statements("111122223333")
    assert statement.principals == (("Service", ("budgets.amazonaws.com",)),)
    assert ("StringEquals", "aws:SourceAccount", ("111122223333",)) in statement.conditions
    assert ("ArnLike", "aws:SourceArn", ("arn:aws:budgets::111122223333:budget/*",)) in statement.conditions
