"""Observability layer: one alert topic (email subscriptions from the env file), the API-error
and Lambda-error alarms at the env file's thresholds, and one dashboard with API Gateway,
Lambda and DynamoDB widgets."""

from __future__ import annotations

from modules.action_function import ActionFunction
from modules.alarm_specs import AlarmSpec, MetricQuery
from modules.dashboard import Dashboard, DashboardProps, MetricWidget
from modules.metric_alarms import MetricAlarms, MetricAlarmsProps
from modules.rest_api import RestApi
from modules.stacks.system_stack import SystemStack
from modules.topic import Subscription, Topic, TopicProps
from systems.chatbot.data import Data
from systems.chatbot.names import ChatbotNames
from systems.chatbot.settings import ChatbotSettings


def build_observability(stack: SystemStack, settings: ChatbotSettings, names: ChatbotNames,
                        data: Data, functions: dict[str, ActionFunction], api: RestApi) -> Topic:
    env, config = stack.env, settings.alarms
    topic = Topic(stack, "topic_alerts", TopicProps(
        name=names.topic(), kms_key_arn=data.key_arn, account_id=env.account_id,
        region=env.region, display_name=f"Chatbot alerts ({env.environment})",
        subscriptions=tuple(Subscription("email", endpoint=e) for e in config.email_subscriptions)))
    period = config.period_seconds
    api_dims = {"ApiName": names.api(), "Stage": api.stage_name}
    lambdas = sorted(functions.items())
    alarms = (
        AlarmSpec(
            name=names.alarm("api-errors"), comparison_operator="GreaterThanThreshold",
            description=f"API client errors (4XX) above {config.api_error_rate_percent} % of "
                        "requests: failing logins, bad requests or a broken client release",
            threshold=config.api_error_rate_percent, evaluation_periods=config.evaluation_periods,
            expression="100 * errors / MAX([requests, 1])", metrics=(
                MetricQuery("errors", "AWS/ApiGateway", "4XXError", "Sum", api_dims, period),
                MetricQuery("requests", "AWS/ApiGateway", "Count", "Sum", api_dims, period))),
        AlarmSpec(
            name=names.alarm("lambda-errors"), comparison_operator="GreaterThanThreshold",
            description=f"More than {config.lambda_errors} Lambda errors per period across the "
                        "chatbot's functions",
            threshold=float(config.lambda_errors), evaluation_periods=config.evaluation_periods,
            expression=f"SUM([{', '.join(f'e{i}' for i in range(len(lambdas)))}])",
            metrics=tuple(MetricQuery(f"e{i}", "AWS/Lambda", "Errors", "Sum",
                                      {"FunctionName": f.function_name}, period)
                          for i, (_, f) in enumerate(lambdas))),
    )
    MetricAlarms(stack, "alarms", MetricAlarmsProps(alarms=alarms, topic_arns=(topic.topic_arn,)))

    def per_function(metric: str, stat: str) -> tuple:
        return tuple(("AWS/Lambda", metric, {"FunctionName": f.function_name}, stat)
                     for _, f in lambdas)

    def per_table(*metrics: str) -> tuple:
        return tuple(("AWS/DynamoDB", metric, {"TableName": t.table_name}, "Sum")
                     for metric in metrics for _, t in sorted(data.tables.items()))

    Dashboard(stack, "dashboard", DashboardProps(
        dashboard_name=names.dashboard(), region=env.region, widgets=(
            MetricWidget("API requests", (("AWS/ApiGateway", "Count", api_dims, "Sum"),)),
            MetricWidget("API latency (ms)", (("AWS/ApiGateway", "Latency", api_dims, "Average"),
                                              ("AWS/ApiGateway", "Latency", api_dims, "p99"))),
            MetricWidget("API errors", (("AWS/ApiGateway", "4XXError", api_dims, "Sum"),
                                        ("AWS/ApiGateway", "5XXError", api_dims, "Sum"))),
            MetricWidget("Lambda invocations", per_function("Invocations", "Sum")),
            MetricWidget("Lambda errors", per_function("Errors", "Sum")),
            MetricWidget("Lambda duration p90 (ms)", per_function("Duration", "p90")),
            MetricWidget("DynamoDB consumed capacity",
                         per_table("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits")),
            MetricWidget("DynamoDB throttling",
                         per_table("ReadThrottleEvents", "WriteThrottleEvents")),
        )))
    return topic
