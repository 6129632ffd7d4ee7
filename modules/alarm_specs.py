"""What a CloudWatch metric alarm watches and when it fires (`AlarmSpec`), checked on creation.

A spec watches one metric (`namespace`, `metric_name`, `statistic`, `dimensions`) or a
metric-math `expression` over `metrics`, e.g. `100 * errors / invocations`. A bad period, id
or threshold raises ValueError naming the alarm, before anything is synthesized.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
#: Percentiles (p99, p99.9), trimmed means and the like go to `extended_statistic`.
_EXTENDED = re.compile(r"(p|tm|wm|tc|ts)\d{1,2}(\.\d+)?|(TM|WM|TC|TS|PR)\(.+\)")
OPERATORS = ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
             "LessThanOrEqualToThreshold")
MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
_QUERY_ID = re.compile(r"[a-z][A-Za-z0-9_]*")
#: PutMetricAlarm: metric math over at most 10 metrics (a hard CloudWatch limit).
MAX_ALARM_METRICS = 10


def check_period(where: str, seconds: int) -> None:
    """10 and 30 s (high-resolution metrics) or a multiple of 60 s."""
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0 or (
            seconds not in (10, 30) and seconds % 60):
        raise ValueError(f"{where}: period_seconds must be 10, 30 or a multiple of 60 "
                         f"(got {seconds!r})")


def check_statistic(where: str, statistic: str) -> None:
    if statistic not in STATISTICS and not _EXTENDED.fullmatch(statistic):
        raise ValueError(f"{where}: statistic {statistic!r} is not one of "
                         f"{', '.join(STATISTICS)} or a percentile such as p99")


@dataclass(frozen=True)
class MetricQuery:
    """One metric an expression refers to by `id`."""

    id: str
    namespace: str
    metric_name: str
    statistic: str
    dimensions: dict[str, str] = field(default_factory=dict)
    period_seconds: int = 300


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: what it watches, when it fires and how missing data counts."""

    name: str
    description: str
    comparison_operator: str
    threshold: float
    #: A single metric: namespace, metric_name and statistic (or expression and metrics).
    namespace: str = ""
    metric_name: str = ""
    statistic: str = ""
    dimensions: dict[str, str] = field(default_factory=dict)
    period_seconds: int = 300
    #: Metric math over `metrics`, e.g. "100 * errors / invocations".
    expression: str = ""
    metrics: tuple[MetricQuery, ...] = ()
    #: Query id of the expression itself; must not be one of the metrics' ids.
    expression_id: str = "result"
    evaluation_periods: int = 1
    #: Breaching datapoints (of evaluation_periods) that trigger the alarm; None = all of them.
    datapoints_to_alarm: int | None = None
    treat_missing_data: str = "notBreaching"

    def __post_init__(self) -> None:
        where = f"alarm {self.name!r}"
        if not 1 <= len(self.name) <= 255:
            raise ValueError(f"{where}: name must be 1-255 characters")
        if self.comparison_operator not in OPERATORS:
            raise ValueError(f"{where}: comparison_operator must be one of {', '.join(OPERATORS)}")
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)) \
                or not math.isfinite(self.threshold):
            raise ValueError(f"{where}: threshold must be a finite number "
                             f"(got {self.threshold!r})")
        count = self.evaluation_periods
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"{where}: evaluation_periods must be an integer >= 1")
        if self.datapoints_to_alarm is not None and not \
                1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError(f"{where}: datapoints_to_alarm must be between 1 and "
                             f"evaluation_periods ({self.evaluation_periods})")
        if self.treat_missing_data not in MISSING_DATA:
            raise ValueError(f"{where}: treat_missing_data must be one of "
                             f"{', '.join(MISSING_DATA)}")
        if bool(self.expression) == bool(self.metric_name):
            raise ValueError(f"{where}: give either metric_name (one metric) or expression "
                             "(metric math over metrics), not both or neither")
        periods = [self.period_seconds] if self.metric_name else \
            [m.period_seconds for m in self.metrics]
        if self.metric_name:
            if not self.namespace:
                raise ValueError(f"{where}: a single-metric alarm needs a namespace")
            check_statistic(where, self.statistic)
        else:
            self._check_math(where)
        for seconds in periods:
            check_period(where, seconds)
            if seconds * self.evaluation_periods > 86400:
                raise ValueError(f"{where}: period_seconds x evaluation_periods must not exceed "
                                 "one day (86400 s)")

    def _check_math(self, where: str) -> None:
        if not self.metrics:
            raise ValueError(f"{where}: an expression needs the metrics it refers to")
        if len(self.metrics) > MAX_ALARM_METRICS:
            raise ValueError(f"{where}: metric math reads {len(self.metrics)} metrics; CloudWatch "
                             f"allows at most {MAX_ALARM_METRICS} per alarm (a hard limit): "
                             "split it into several alarms")
        ids = [m.id for m in self.metrics] + [self.expression_id]
        for query_id in ids:
            if not _QUERY_ID.fullmatch(query_id):
                raise ValueError(f"{where}: query id {query_id!r} must start with a lowercase "
                                 "letter and hold only letters, digits and '_'")
        if len(set(ids)) != len(ids):
            raise ValueError(f"{where}: query ids must be unique (expression_id included)")
        for metric in self.metrics:
            check_statistic(f"{where}, metric {metric.id!r}", metric.statistic)
