"""Part `monitoring`: the specification's twelve log groups at its 7-day retention, the alarm
topic, the ten kinds of alarm at the specification's thresholds (load balancer, ECS services,
databases, buckets), X-Ray sampling rules and groups, the monthly cost budget (alert at 70 %)
and the daily token budget (alert at 80 %, a CloudWatch alarm on Bedrock's token metrics:
AWS Budgets counts dollars, not tokens). The ECS log groups and the Bedrock execution role are
in the backend part, with the services that use them.

Alarm readings of the specification: "free storage <= 20 %" of the 100 GB it allocates, i.e.
Aurora's `VolumeBytesUsed` >= 80 GB for 30 minutes (Aurora storage has no free-space metric);
"DB connections > 180" per cluster; S3 `4xxErrors` > 100 per 5 minutes from the request metrics
of the user-content and front-end buckets; `BucketSizeBytes` > 1 TB per day per bucket.
"""

from __future__ import annotations

from modules.alarm_specs import AlarmSpec, MetricQuery
from modules.aws import provider_module
from modules.budget import Budget, BudgetProps
from modules.metric_alarms import MetricAlarms, MetricAlarmsProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from modules.topic import Subscription, Topic, TopicProps
from modules.tracing import SamplingRule, SamplingRuleProps
from systems.portal import catalog
from systems.portal.backend import Backend
from systems.portal.database import Databases
from systems.portal.names import PortalNames
from systems.portal.network import SEED_RETENTION, Network
from systems.portal.settings import PortalSettings
from systems.portal.storage import Storage

GB = 1024 ** 3
ALLOCATED_STORAGE_GB = 100
#: (name, filter expression) of the X-Ray groups.
XRAY_GROUPS = (("API-Calls", 'service("*/api/*")'), ("Database-Queries", 'service("*.rds.*")'))


def build_monitoring(stack: SystemStack, settings: PortalSettings, names: PortalNames,
                     network: Network, databases: Databases, storage: Storage,
                     backend: Backend) -> None:
    env, config = stack.env, settings.monitoring
    groups = provider_module("cloudwatch_log_group")
    for path in (g for g in catalog.LOG_GROUPS if g not in catalog.ECS_LOG_GROUPS):
        group = groups.CloudwatchLogGroup(
            stack, "log_" + path.strip("/").replace("/", "_").replace("-", "_"),
            name=names.log_group(path), retention_in_days=config.log_retention_days,
            kms_key_id=network.key_arn)
        if config.log_retention_days < 365:
            suppress(group, "CKV_AWS_338", SEED_RETENTION)
    topic = Topic(stack, "alarms", TopicProps(
        name=names.topic(), kms_key_arn=network.key_arn, account_id=env.account_id,
        region=env.region, display_name="Portal alarms",
        publisher_services=(("budgets.amazonaws.com",
                             f"arn:aws:budgets::{env.account_id}:budget/*"),),
        subscriptions=(Subscription("email", endpoint=config.alarm_email),)
        if config.alarm_email else ()))
    MetricAlarms(stack, "alarm_set", MetricAlarmsProps(
        alarms=(*_service_alarms(names, backend), *_alarms(names, databases, storage,
                                                            config.daily_token_budget)),
        topic_arns=(topic.topic_arn,)))
    _tracing(stack)
    Budget(stack, "monthly_budget", BudgetProps(
        name=names.budget("monthly-cost"), limit_usd=config.monthly_budget_usd,
        threshold_percent=70, topic_arn=topic.topic_arn))


def _service_alarms(names: PortalNames, backend: Backend) -> tuple[AlarmSpec, ...]:
    """5xx >= 5 % over 5 min, p99 >= 2 s over 5 min, 4xx >= 10 % over 15 min, p90 >= 1 s
    over 15 min (load balancer), and running < desired tasks for 5 min (each service)."""
    alb = {"LoadBalancer": backend.load_balancer.arn_suffix}

    def elb(id_: str, metric: str, period: int) -> MetricQuery:
        return MetricQuery(id=id_, namespace="AWS/ApplicationELB", metric_name=metric,
                           statistic="Sum", dimensions=alb, period_seconds=period)

    def error_rate(code: str, percent: int, minutes: int) -> AlarmSpec:
        period = minutes * 60
        return AlarmSpec(
            name=names.alarm(f"alb-{code.lower()}-rate"),
            description=f"HTTP {code} >= {percent} % of requests over {minutes} minutes",
            comparison_operator="GreaterThanOrEqualToThreshold", threshold=percent,
            expression="100 * (target + elb) / requests",
            metrics=(elb("target", f"HTTPCode_Target_{code}_Count", period),
                     elb("elb", f"HTTPCode_ELB_{code}_Count", period),
                     elb("requests", "RequestCount", period)))

    def latency(percentile: str, seconds: int, minutes: int) -> AlarmSpec:
        return AlarmSpec(
            name=names.alarm(f"alb-latency-{percentile}"),
            description=f"Target response time {percentile} >= {seconds} s over {minutes} "
                        "minutes",
            comparison_operator="GreaterThanOrEqualToThreshold", threshold=seconds,
            namespace="AWS/ApplicationELB", metric_name="TargetResponseTime",
            statistic=percentile, dimensions=alb, period_seconds=minutes * 60)

    alarms = [error_rate("5XX", 5, 5), latency("p99", 2, 5), error_rate("4XX", 10, 15),
              latency("p90", 1, 15)]
    for key, service in backend.services.items():
        dims = {"ClusterName": backend.cluster.cluster_name, "ServiceName": service.service_name}
        alarms.append(AlarmSpec(
            name=names.alarm(f"{key}-tasks"),
            description=f"{key}: fewer running tasks than desired for 5 minutes",
            comparison_operator="GreaterThanThreshold", threshold=0,
            expression="desired - running",
            metrics=tuple(MetricQuery(id=id_, namespace="ECS/ContainerInsights",
                                      metric_name=metric, statistic="Average", dimensions=dims,
                                      period_seconds=300)
                          for id_, metric in (("desired", "DesiredTaskCount"),
                                              ("running", "RunningTaskCount")))))
    return tuple(alarms)


def _alarms(names: PortalNames, databases: Databases, storage: Storage,
            daily_tokens: int) -> tuple[AlarmSpec, ...]:
    alarms: list[AlarmSpec] = []
    for key in databases.clusters:
        cluster = {"DBClusterIdentifier": names.cluster(key)}
        alarms += [
            AlarmSpec(name=names.alarm(f"{key}-db-cpu"),
                      description=f"{key} database CPU >= 80 % for 15 minutes",
                      comparison_operator="GreaterThanOrEqualToThreshold", threshold=80,
                      namespace="AWS/RDS", metric_name="CPUUtilization", statistic="Average",
                      dimensions=cluster, period_seconds=300, evaluation_periods=3),
            AlarmSpec(name=names.alarm(f"{key}-db-storage"),
                      description=f"{key} database: free storage <= 20 % of "
                                  f"{ALLOCATED_STORAGE_GB} GB for 30 minutes",
                      comparison_operator="GreaterThanOrEqualToThreshold",
                      threshold=0.8 * ALLOCATED_STORAGE_GB * GB,
                      namespace="AWS/RDS", metric_name="VolumeBytesUsed", statistic="Average",
                      dimensions=cluster, period_seconds=300, evaluation_periods=6),
            AlarmSpec(name=names.alarm(f"{key}-db-connections"),
                      description=f"{key} database connections > 180 (of 200)",
                      comparison_operator="GreaterThanThreshold", threshold=180,
                      namespace="AWS/RDS", metric_name="DatabaseConnections",
                      statistic="Maximum", dimensions=cluster, period_seconds=300),
        ]
    for key in catalog.REQUEST_METRIC_BUCKETS:
        alarms.append(AlarmSpec(
            name=names.alarm(f"{key}-4xx"), description=f"{key}: more than 100 4xx errors in "
                                                        "5 minutes",
            comparison_operator="GreaterThanThreshold", threshold=100, namespace="AWS/S3",
            metric_name="4xxErrors", statistic="Sum", period_seconds=300,
            dimensions={"BucketName": names.bucket(key), "FilterId": catalog.REQUEST_METRIC_FILTER}))
    for key in storage.buckets:
        alarms.append(AlarmSpec(
            name=names.alarm(f"{key}-size"), description=f"{key}: more than 1 TB stored",
            comparison_operator="GreaterThanThreshold", threshold=1024 ** 4,
            namespace="AWS/S3", metric_name="BucketSizeBytes", statistic="Average",
            period_seconds=86400,
            dimensions={"BucketName": names.bucket(key), "StorageType": "StandardStorage"}))
    tokens = tuple(MetricQuery(id=f"m{i}", namespace="AWS/Bedrock", metric_name=metric,
                               statistic="Sum", period_seconds=86400)
                   for i, metric in enumerate(("InputTokenCount", "OutputTokenCount")))
    alarms.append(AlarmSpec(
        name=names.alarm("daily-tokens"),
        description=f"Bedrock tokens today >= 80 % of the {daily_tokens} daily budget",
        comparison_operator="GreaterThanOrEqualToThreshold", threshold=0.8 * daily_tokens,
        expression="m0 + m1", metrics=tokens))
    return tuple(alarms)


def _tracing(stack: SystemStack) -> None:
    # X-Ray's own "Default" rule cannot be created by Terraform; the platform-wide rule sits
    # just above it and matches everything (5 %, reservoir 50).
    SamplingRule(stack, "sampling_default", SamplingRuleProps(
        rule_name="portal-default", priority=9000, fixed_rate=0.05, reservoir_size=50,
        service_name="*"))
    SamplingRule(stack, "sampling_api_v1", SamplingRuleProps(
        rule_name="portal-api-v1", priority=100, fixed_rate=0.2, reservoir_size=100,
        service_name="*", url_path="/api/v1/*"))
    group = provider_module("xray_group")
    for name, expression in XRAY_GROUPS:
        group.XrayGroup(stack, f"xray_{name.lower().replace('-', '_')}", group_name=name,
                        filter_expression=expression)
