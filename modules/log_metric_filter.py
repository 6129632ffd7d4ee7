"""CloudWatch Logs metric filters: one log group, a table of (pattern -> metric) rows, all in one
namespace, so counts of log events (errors, detections) become metrics alarms can watch."""

from __future__ import annotations

import re
from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module

_METRIC = re.compile(r"[A-Za-z0-9_.-]{1,255}")


@dataclass(frozen=True)
class MetricFilterSpec:
    #: Filter name, unique in the log group.
    name: str
    #: CloudWatch Logs filter pattern, e.g. '{ $.level = "ERROR" }' for JSON logs.
    pattern: str
    metric_name: str
    #: What one matching event adds: "1" counts events, "$.amount" sums a JSON field.
    value: str = "1"
    #: Emitted when no event matches in a period (0 keeps the alarm's series continuous).
    default_value: float | None = 0
    unit: str = "Count"

    def __post_init__(self) -> None:
        if not _METRIC.fullmatch(self.metric_name):
            raise ValueError(f"metric filter {self.name}: metric name {self.metric_name!r} must be "
                             "1-255 letters, digits, '_', '.' or '-'")
        if not self.pattern.strip():
            raise ValueError(f"metric filter {self.name}: the pattern is empty (it would count "
                             "every log event); give a pattern")


@dataclass(frozen=True)
class LogMetricFiltersProps:
    log_group_name: str
    namespace: str
    filters: tuple[MetricFilterSpec, ...]

    def __post_init__(self) -> None:
        names = [f.name for f in self.filters]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"metric filters of {self.log_group_name}: need unique names")


class LogMetricFilters(Construct):
    """Exposes `filters` (filter name -> L1 resource)."""

    def __init__(self, scope: Construct, construct_id: str, props: LogMetricFiltersProps) -> None:
        super().__init__(scope, construct_id)
        module = provider_module("cloudwatch_log_metric_filter")
        self.filters: dict[str, object] = {}
        for spec in props.filters:
            self.filters[spec.name] = module.CloudwatchLogMetricFilter(
                self, re.sub(r"[^A-Za-z0-9]+", "_", spec.name).lower(), name=spec.name,
                log_group_name=props.log_group_name, pattern=spec.pattern,
                metric_transformation=module.CloudwatchLogMetricFilterMetricTransformation(
                    name=spec.metric_name, namespace=props.namespace, value=spec.value,
                    default_value=None if spec.default_value is None else str(spec.default_value),
                    unit=spec.unit),
            )
