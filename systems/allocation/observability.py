"""Alarms to an encrypted topic: Lambda error rate above the threshold (errors / invocations,
one alarm per function), API Gateway 5xx, and DynamoDB throttling on any table. The same topic takes
the monthly budget's and the cost anomaly monitor's notifications. X-Ray sampling rules for
the functions and the REST API stage."""

from __future__ import annotations

from modules.alarm_specs import AlarmSpec, MetricQuery
from modules.budget import Budget, BudgetProps
from modules.cost_anomaly import SERVICE as COST_ALERTS, CostAnomaly, CostAnomalyProps
from modules.metric_alarms import MetricAlarms, MetricAlarmsProps
from modules.rest_api import RestApi
from modules.stacks.system_stack import SystemStack
from modules.topic import Subscription, Topic, TopicProps
from modules.tracing import SamplingRule, SamplingRuleProps
from systems.allocation.data import Data
from systems.allocation.names import FUNCTION_PARTS, PROJECT_TAG, AllocationNames
from systems.allocation.settings import AllocationSettings


def build_observability(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
                        data: Data, api: RestApi) -> Topic:
    env, alarms = stack.env, settings.alarms
    topic = Topic(stack, "alarm_topic", TopicProps(
        name=names.topic(), kms_key_arn=data.key_arn, account_id=env.account_id,
        region=env.region, subscriptions=tuple(Subscription("email", endpoint=address)
                                               for address in alarms.email_subscriptions),
        publisher_services=(
            ("budgets.amazonaws.com", f"arn:aws:budgets::{env.account_id}:budget/*"),
            *(((COST_ALERTS, f"arn:aws:ce::{env.account_id}:anomalysubscription/*"),)
              if settings.costs.anomaly_detection else ()))))
    # One error-rate alarm per function: an alarm's metric math reads at most 10 metrics.
    error_rates = tuple(
        AlarmSpec(names.alarm(f"{part}-error-rate"),
                  f"{names.function(part)}: errors above {alarms.error_rate_percent}% of "
                  "invocations", "GreaterThanThreshold", alarms.error_rate_percent,
                  expression="100 * errors / MAX([1, invocations])",
                  metrics=tuple(MetricQuery(query_id, "AWS/Lambda", metric, "Sum",
                                            {"FunctionName": names.function(part)})
                                for query_id, metric in (("errors", "Errors"),
                                                         ("invocations", "Invocations"))))
        for part in FUNCTION_PARTS)
    specs = (
        *error_rates,
        AlarmSpec(names.alarm("api-5xx"), "API Gateway answered 5xx", "GreaterThanThreshold", 0,
                  namespace="AWS/ApiGateway", metric_name="5XXError", statistic="Sum",
                  dimensions={"ApiName": names.api(), "Stage": env.environment}),
        AlarmSpec(names.alarm("dynamodb-throttles"), "DynamoDB throttled requests",
                  "GreaterThanThreshold", 0,
                  expression=" + ".join(f"t{i}" for i in range(len(data.tables))),
                  metrics=tuple(MetricQuery(f"t{i}", "AWS/DynamoDB", "ThrottledRequests", "Sum",
                                            {"TableName": table.table_name})
                                for i, table in enumerate(data.tables.values()))),
    )
    MetricAlarms(stack, "alarms", MetricAlarmsProps(alarms=specs, topic_arns=(topic.topic_arn,)))
    _costs(stack, settings, names, topic)
    _sampling(settings, names, stack)
    return topic


def _costs(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
           topic: Topic) -> None:
    costs = settings.costs
    Budget(stack, "monthly_budget", BudgetProps(
        name=names.budget(), limit_usd=costs.monthly_budget_usd,
        threshold_percent=costs.budget_threshold_percent, topic_arn=topic.topic_arn))
    if costs.anomaly_detection:
        # The stacks tag every resource with Project and Environment (cost-allocation tags).
        CostAnomaly(stack, "cost_anomalies", CostAnomalyProps(
            monitor_name=names.anomaly_monitor(), subscription_name=names.anomaly_subscription(),
            tags={"Project": PROJECT_TAG, "Environment": stack.env.environment},
            topic_arn=topic.topic_arn, threshold_usd=costs.anomaly_threshold_usd))


def _sampling(settings: AllocationSettings, names: AllocationNames, stack: SystemStack) -> None:
    tracing = settings.tracing
    services = {"functions": (f"{names.prefix}-allocation-*", "AWS::Lambda::Function"),
                "api": (f"{names.api()}/{stack.env.environment}", "AWS::ApiGateway::Stage")}
    for offset, (part, (service, kind)) in enumerate(services.items()):
        SamplingRule(stack, f"sampling_{part}", SamplingRuleProps(
            rule_name=names.sampling_rule(part), priority=tracing.priority + offset,
            fixed_rate=tracing.fixed_rate, reservoir_size=tracing.reservoir_size,
            service_name=service, service_type=kind))
