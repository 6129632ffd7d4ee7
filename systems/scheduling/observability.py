"""Observability layer (phase 2): the alert topics, the alarms at the system's thresholds, the
three dashboards (Agent Performance, Lambda Execution, Cost Optimization) over metrics this
stack really emits, and the X-Ray sampling rule.

Custom metrics (Powertools EMF from the Lambdas, one dimension `Environment`):
`PF/Bedrock` AgentInvocationCount, AgentResponseTime (ms), SessionAttributeFailures;
`PF/Lambda` PF360ApiErrors, LambdaErrors, SecretAgeDays (+ SecretName). The Lambda error rate
is metric math over `AWS/Lambda` Errors / Invocations.
"""

from __future__ import annotations

from modules.action_function import ActionFunction
from modules.alarm_specs import AlarmSpec, MetricQuery
from modules.dashboard import Dashboard, DashboardProps, MetricWidget
from modules.metric_alarms import MetricAlarms, MetricAlarmsProps
from modules.rest_api import RestApi
from modules.stacks.system_stack import SystemStack
from modules.topic import Subscription, Topic, TopicProps
from modules.tracing import SamplingRule, SamplingRuleProps
from systems.scheduling.data import Data
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse

DAY, HOUR = 86400, 3600
# Secret -> days after which its value is overdue (PF360 credentials 90, database 30; the
# frontend API keys rotate manually, checked at twice the PF360 period).
SECRET_MAX_AGE_DAYS = {"pf360": 90, "database": 30, "api-keys": 180}


def build_observability(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
                        data: Data, functions: dict[str, ActionFunction],
                        api: RestApi) -> dict[str, Topic]:
    """Returns the topics by kind ("alerts", "errors"): phase 3's workflows report to errors."""
    env = stack.env
    config = settings.alarms
    subscriptions = (*(Subscription("email", endpoint=e) for e in config.email_subscriptions),
                     *(Subscription("https", endpoint_parameter=p)
                       for p in config.https_subscription_parameters))
    topics = {}
    for kind in ("alerts", "errors"):
        topics[kind] = Topic(stack, f"topic_{kind}", TopicProps(
            name=names.topic(kind), kms_key_arn=data.key_arn, account_id=env.account_id,
            region=env.region, subscriptions=subscriptions,
            display_name=f"Scheduling {kind} ({env.environment})",
            # Phase 3: the workflows' failure paths publish to errors (their roles by name; the
            # async layer orders this policy after the roles exist).
            publisher_role_arns=tuple(names.state_machine_role_arn(w) for w in names.WORKFLOWS)
            if kind == "errors" and settings.reaches("3") else ()))
        if data.key_arn is None:
            excuse([topics[kind].topic], ("CKV_AWS_26",), NO_CUSTOMER_KEY)
    dims = {"Environment": env.environment}
    period, evaluations = config.period_seconds, config.evaluation_periods

    def alarm(name: str, description: str, threshold: float, **metric) -> AlarmSpec:
        return AlarmSpec(name=names.alarm(name), description=description,
                         comparison_operator="GreaterThanThreshold", threshold=threshold,
                         evaluation_periods=metric.pop("evaluation_periods", evaluations), **metric)

    alerts = [
        alarm("agent-invocations-daily", "More than 10,000 agent invocations in a day", 10000,
              namespace="PF/Bedrock", metric_name="AgentInvocationCount", statistic="Sum",
              dimensions=dims, period_seconds=DAY, evaluation_periods=1),
        alarm("agent-response-time", "Average agent response time above 5 seconds", 5000,
              namespace="PF/Bedrock", metric_name="AgentResponseTime", statistic="Average",
              dimensions=dims, period_seconds=period),
        alarm("session-attribute-failures", "More than 10 session-attribute failures in an hour",
              10, namespace="PF/Bedrock", metric_name="SessionAttributeFailures",
              statistic="Sum", dimensions=dims, period_seconds=HOUR, evaluation_periods=1),
        *(alarm(f"{kind}-secret-age", f"The {kind} secret is older than {days} days", days,
                namespace="PF/Lambda", metric_name="SecretAgeDays", statistic="Maximum",
                dimensions={**dims, "SecretName": secret.secret.name}, period_seconds=DAY,
                evaluation_periods=1)
          for kind, days in SECRET_MAX_AGE_DAYS.items()
          for secret in [data.pf360_secret if kind == "pf360" else data.secrets.get(kind)]
          if secret is not None),
    ]
    errors = [
        alarm("pf360-api-errors", "PF360 API calls failing after retries", 5,
              namespace="PF/Lambda", metric_name="PF360ApiErrors", statistic="Sum",
              dimensions=dims, period_seconds=period),
        alarm("lambda-unexpected-errors", "Unexpected errors caught in the Lambdas", 0,
              namespace="PF/Lambda", metric_name="LambdaErrors", statistic="Sum",
              dimensions=dims, period_seconds=period),
    ]
    for key, function in sorted(functions.items()):
        name = {"FunctionName": function.function_name}
        errors.append(alarm(
            f"{key.replace('_', '-')}-error-rate", f"{key}: error rate above 5 %", 5,
            expression="100 * errors / MAX([invocations, 1])", metrics=(
                MetricQuery("errors", "AWS/Lambda", "Errors", "Sum", name, period),
                MetricQuery("invocations", "AWS/Lambda", "Invocations", "Sum", name, period))))
        errors.append(alarm(
            f"{key.replace('_', '-')}-throttles", f"{key}: invocations throttled", 0,
            namespace="AWS/Lambda", metric_name="Throttles", statistic="Sum", dimensions=name,
            period_seconds=period))
    for part, table in sorted(data.tables.items()):
        name = {"TableName": table.table_name}
        alerts.append(alarm(
            f"{part}-throttled", f"DynamoDB {part}: read or write requests throttled", 0,
            expression="reads + writes", metrics=(
                MetricQuery("reads", "AWS/DynamoDB", "ReadThrottleEvents", "Sum", name, period),
                MetricQuery("writes", "AWS/DynamoDB", "WriteThrottleEvents", "Sum", name, period))))
    MetricAlarms(stack, "alerts", MetricAlarmsProps(alarms=tuple(alerts),
                                                    topic_arns=(topics["alerts"].topic_arn,)))
    MetricAlarms(stack, "errors", MetricAlarmsProps(alarms=tuple(errors),
                                                    topic_arns=(topics["errors"].topic_arn,)))
    _dashboards(stack, names, data, functions, api, dims)
    SamplingRule(stack, "sampling", SamplingRuleProps(
        rule_name=names.sampling_rule(), priority=1000, fixed_rate=settings.tracing_sample_rate,
        reservoir_size=1, service_name="*"))
    return topics


def _dashboards(stack, names: SchedulingNames, data: Data, functions: dict[str, ActionFunction],
                api: RestApi, dims: dict[str, str]) -> None:
    region = stack.env.region
    api_dims = {"ApiName": names.api(), "Stage": api.stage_name}
    lambdas = sorted(functions.items())

    def per_function(metric: str, stat: str) -> tuple:
        return tuple(("AWS/Lambda", metric, {"FunctionName": f.function_name}, stat) for _, f in lambdas)

    def per_table(metric: str) -> tuple:
        return tuple(("AWS/DynamoDB", metric, {"TableName": t.table_name}, "Sum")
                     for _, t in sorted(data.tables.items()))

    boards = {
        "agent-performance": (
            MetricWidget("Agent invocations", (("PF/Bedrock", "AgentInvocationCount", dims, "Sum"),)),
            MetricWidget("Agent response time (ms)", (
                ("PF/Bedrock", "AgentResponseTime", dims, "Average"),
                ("PF/Bedrock", "AgentResponseTime", dims, "p90"))),
            MetricWidget("Session attribute failures",
                         (("PF/Bedrock", "SessionAttributeFailures", dims, "Sum"),)),
            MetricWidget("API requests and errors", (
                ("AWS/ApiGateway", "Count", api_dims, "Sum"),
                ("AWS/ApiGateway", "4XXError", api_dims, "Sum"),
                ("AWS/ApiGateway", "5XXError", api_dims, "Sum"))),
        ),
        "lambda-execution": (
            MetricWidget("Invocations", per_function("Invocations", "Sum")),
            MetricWidget("Errors", per_function("Errors", "Sum")),
            MetricWidget("Duration p90 (ms)", per_function("Duration", "p90")),
            MetricWidget("Throttles", per_function("Throttles", "Sum")),
            MetricWidget("PF360 API errors and unexpected errors", (
                ("PF/Lambda", "PF360ApiErrors", dims, "Sum"),
                ("PF/Lambda", "LambdaErrors", dims, "Sum"))),
        ),
        "cost-optimization": (
            MetricWidget("Agent invocations per day (model cost driver)",
                         (("PF/Bedrock", "AgentInvocationCount", dims, "Sum"),), period=DAY),
            MetricWidget("Lambda compute time (ms, summed)", per_function("Duration", "Sum"),
                         period=DAY),
            MetricWidget("DynamoDB read capacity consumed", per_table("ConsumedReadCapacityUnits"),
                         period=DAY),
            MetricWidget("DynamoDB write capacity consumed", per_table("ConsumedWriteCapacityUnits"),
                         period=DAY),
            MetricWidget("API requests per day", (("AWS/ApiGateway", "Count", api_dims, "Sum"),),
                         period=DAY),
        ),
    }
    for name, widgets in boards.items():
        Dashboard(stack, f"dashboard_{name.replace('-', '_')}", DashboardProps(
            dashboard_name=names.dashboard(name), widgets=widgets, region=region))
