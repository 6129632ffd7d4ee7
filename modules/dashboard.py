"""A CloudWatch dashboard built from typed widgets, laid out in a grid two widgets per row.

`dashboard_body(props)` is the pure function that turns the widgets into the dashboard's JSON
document; the construct only serializes it. Dimension values may be Terraform references (a
function name from another construct): they stay references inside the serialized string.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from constructs import Construct

from modules.alarm_specs import check_statistic
from modules.aws import provider_module

VIEWS = ("timeSeries", "singleValue")
#: The grid is 24 units wide: two 12-unit widgets per row, each 6 units high.
WIDTH, HEIGHT, PER_ROW = 12, 6, 2
MAX_WIDGETS = 500
_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")

#: (namespace, metric_name, dimensions, statistic), e.g.
#: ("AWS/Lambda", "Errors", {"FunctionName": "pf-chat"}, "Sum").
Metric = tuple[str, str, dict[str, str], str]


@dataclass(frozen=True)
class MetricWidget:
    title: str
    metrics: tuple[Metric, ...]
    period: int = 300
    view: str = "timeSeries"
    #: None shows the metrics of the dashboard's region.
    region: str | None = None

    def __post_init__(self) -> None:
        where = f"widget {self.title!r}"
        if self.view not in VIEWS:
            raise ValueError(f"{where}: view must be one of {', '.join(VIEWS)}")
        if isinstance(self.period, bool) or not isinstance(self.period, int) or \
                self.period <= 0 or (self.period not in (1, 5, 10, 30) and self.period % 60):
            raise ValueError(f"{where}: period must be 1, 5, 10, 30 or a multiple of 60 "
                             f"(got {self.period!r})")
        if not self.metrics:
            raise ValueError(f"{where}: needs at least one metric")
        for metric in self.metrics:
            if len(metric) != 4 or not isinstance(metric[2], dict):
                raise ValueError(f"{where}: each metric is (namespace, metric_name, dimensions "
                                 f"dict, statistic), got {metric!r}")
            check_statistic(where, metric[3])


@dataclass(frozen=True)
class TextWidget:
    markdown: str


@dataclass(frozen=True)
class DashboardProps:
    dashboard_name: str
    widgets: tuple[MetricWidget | TextWidget, ...]
    #: Region of every metric widget that names none.
    region: str

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.dashboard_name):
            raise ValueError(f"dashboard name {self.dashboard_name!r} must be 1-255 letters, "
                             "digits, '-' or '_'")
        if not 1 <= len(self.widgets) <= MAX_WIDGETS:
            raise ValueError(f"a dashboard holds 1-{MAX_WIDGETS} widgets, got {len(self.widgets)}")


def _metric_row(metric: Metric) -> list:
    """CloudWatch's array form: namespace, name, dimension name/value pairs, rendering options."""
    namespace, name, dimensions, statistic = metric
    pairs = [part for key in sorted(dimensions) for part in (key, dimensions[key])]
    return [namespace, name, *pairs, {"stat": statistic}]


def _properties(widget: MetricWidget | TextWidget, region: str) -> tuple[str, dict]:
    if isinstance(widget, TextWidget):
        return "text", {"markdown": widget.markdown}
    return "metric", {
        "title": widget.title, "view": widget.view, "region": widget.region or region,
        "period": widget.period, "stacked": False,
        "metrics": [_metric_row(metric) for metric in widget.metrics],
    }


def dashboard_body(props: DashboardProps) -> dict:
    """The dashboard document: widgets in order, left to right, top to bottom."""
    widgets = []
    for index, widget in enumerate(props.widgets):
        kind, properties = _properties(widget, props.region)
        widgets.append({"type": kind, "x": (index % PER_ROW) * WIDTH,
                        "y": (index // PER_ROW) * HEIGHT, "width": WIDTH, "height": HEIGHT,
                        "properties": properties})
    return {"widgets": widgets}


class Dashboard(Construct):
    """Exposes `dashboard_name` and `dashboard_arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: DashboardProps) -> None:
        super().__init__(scope, construct_id)
        dashboard = provider_module("cloudwatch_dashboard").CloudwatchDashboard(
            self, "dashboard", dashboard_name=props.dashboard_name,
            dashboard_body=json.dumps(dashboard_body(props)))
        self.dashboard_name: str = dashboard.dashboard_name
        self.dashboard_arn: str = dashboard.dashboard_arn
