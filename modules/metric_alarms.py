"""CloudWatch metric alarms from typed specs (`modules.alarm_specs`), each notifying the same
SNS topics when it fires and, by default, when it returns to OK."""

from __future__ import annotations

import re
from dataclasses import dataclass

from constructs import Construct

from modules.alarm_specs import STATISTICS, AlarmSpec, MetricQuery
from modules.aws import provider_module

__all__ = ["AlarmSpec", "MetricAlarms", "MetricAlarmsProps", "MetricQuery"]


@dataclass(frozen=True)
class MetricAlarmsProps:
    alarms: tuple[AlarmSpec, ...]
    #: SNS topics notified when an alarm fires.
    topic_arns: tuple[str, ...]
    #: Notify the same topics when an alarm returns to OK.
    notify_ok: bool = True


class MetricAlarms(Construct):
    """Exposes `alarm_arns` (alarm name -> ARN) and `alarms` (alarm name -> L1 resource)."""

    def __init__(self, scope: Construct, construct_id: str, props: MetricAlarmsProps) -> None:
        super().__init__(scope, construct_id)
        names = [a.name for a in props.alarms]
        if len(set(names)) != len(names):
            raise ValueError("two alarms share a name; alarm names are unique per account and "
                             "region")
        if len({_logical_id(name) for name in names}) != len(names):
            raise ValueError("two alarm names differ only in punctuation or case; rename one")
        if not props.topic_arns:
            raise ValueError("alarms need at least one SNS topic ARN to notify")
        module = provider_module("cloudwatch_metric_alarm")
        self.alarms: dict[str, object] = {}
        for spec in props.alarms:
            single = bool(spec.metric_name)
            extended = single and spec.statistic not in STATISTICS
            self.alarms[spec.name] = module.CloudwatchMetricAlarm(
                self, _logical_id(spec.name), alarm_name=spec.name,
                alarm_description=spec.description,
                comparison_operator=spec.comparison_operator, threshold=spec.threshold,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints_to_alarm or spec.evaluation_periods,
                treat_missing_data=spec.treat_missing_data, actions_enabled=True,
                alarm_actions=list(props.topic_arns),
                ok_actions=list(props.topic_arns) if props.notify_ok else None,
                namespace=spec.namespace if single else None,
                metric_name=spec.metric_name if single else None,
                statistic=spec.statistic if single and not extended else None,
                extended_statistic=spec.statistic if extended else None,
                dimensions=(dict(spec.dimensions) or None) if single else None,
                period=spec.period_seconds if single else None,
                metric_query=None if single else _queries(module, spec))
        self.alarm_arns: dict[str, str] = {name: a.arn for name, a in self.alarms.items()}


def _logical_id(name: str) -> str:
    """Derived from the name, so reordering the specs changes no resource address."""
    return "alarm_" + re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()


def _queries(module, spec: AlarmSpec) -> list:
    """The expression (the alarm's value) and the metrics it reads, as provider structs."""
    queries = [module.CloudwatchMetricAlarmMetricQuery(
        id=spec.expression_id, expression=spec.expression, label=spec.name, return_data=True)]
    for m in spec.metrics:
        queries.append(module.CloudwatchMetricAlarmMetricQuery(
            id=m.id, return_data=False, metric=module.CloudwatchMetricAlarmMetricQueryMetric(
                namespace=m.namespace, metric_name=m.metric_name, stat=m.statistic,
                period=m.period_seconds, dimensions=dict(m.dimensions) or None)))
    return queries
