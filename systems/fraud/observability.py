"""Observability layer: the 6-widget dashboard, log metric filters, and alarms to the alerts
topic: 3 per function (errors, duration, throttles), 2 per stream (iterator age, write
throttles), 2 per table (read and write throttles).

Custom metrics under `FraudDetection` (embedded metric format from the stream processor, one
dimension `Environment`): TransactionsProcessed, FraudDetected, ProcessingLatency (ms),
ConfidenceScore, and for transactions that carry a known outcome (`label`) DetectionAccuracy
and FalsePositives. The log metric filters count fraud events and processing errors.
"""

from __future__ import annotations

from modules.alarm_specs import AlarmSpec
from modules.dashboard import Dashboard, DashboardProps, MetricWidget
from modules.log_metric_filter import LogMetricFilters, LogMetricFiltersProps, MetricFilterSpec
from modules.metric_alarms import MetricAlarms, MetricAlarmsProps
from modules.stacks.system_stack import SystemStack
from systems.fraud.data import Data
from systems.fraud.functions import METRICS_NAMESPACE, Functions
from systems.fraud.names import FraudNames
from systems.fraud.settings import FraudSettings

# (alarm name part, metric, statistic, threshold) per resource kind; thresholds in the unit of
# the metric, "timeout" = the function timeout scaled by alarms.duration_share.
FUNCTION_ALARMS = (("errors", "Errors", "Sum", 0), ("duration", "Duration", "Maximum", "timeout"),
                   ("throttles", "Throttles", "Sum", 0))
STREAM_ALARMS = (("iterator-age", "GetRecords.IteratorAgeMilliseconds", "Maximum", "iterator"),
                 ("write-throttles", "WriteProvisionedThroughputExceeded", "Sum", 0))
TABLE_ALARMS = (("read-throttles", "ReadThrottleEvents", "Sum", 0),
                ("write-throttles", "WriteThrottleEvents", "Sum", 0))
LOG_FILTERS = (
    MetricFilterSpec(name="fraud-events", pattern='{ $.message = "FRAUD_DETECTED*" }',
                     metric_name="FraudEventsLogged"),
    MetricFilterSpec(name="processing-errors", pattern='{ $.level = "ERROR" }',
                     metric_name="ProcessingErrors"),
)


def build_observability(stack: SystemStack, settings: FraudSettings, names: FraudNames,
                        data: Data, functions: Functions) -> MetricAlarms:
    config = settings.alarms
    timeout_ms = settings.functions.timeout_seconds * 1000 * config.duration_share
    thresholds = {"timeout": timeout_ms, "iterator": config.iterator_age_ms}
    watched = [
        *_rows(FUNCTION_ALARMS, "AWS/Lambda", "FunctionName", "",
               {p: f.function_name for p, f in functions.monitored().items()}),
        *_rows(STREAM_ALARMS, "AWS/Kinesis", "StreamName", "stream-",
               {p: s.stream_name for p, s in data.streams.items()}),
        *_rows(TABLE_ALARMS, "AWS/DynamoDB", "TableName", "table-",
               {p: t.table_name for p, t in data.tables.items()}),
    ]
    alarms = tuple(AlarmSpec(
        name=names.alarm(name), description=f"{metric} {statistic} above {threshold} ({name})",
        comparison_operator="GreaterThanThreshold",
        threshold=float(thresholds.get(threshold, threshold)), namespace=namespace,
        metric_name=metric, statistic=statistic, dimensions=dims,
        period_seconds=config.period_seconds, evaluation_periods=config.evaluation_periods)
        for name, namespace, dims, metric, statistic, threshold in watched)
    result = MetricAlarms(stack, "alarms", MetricAlarmsProps(
        alarms=alarms, topic_arns=(data.topic.topic_arn,)))
    LogMetricFilters(stack, "log_filters", LogMetricFiltersProps(
        log_group_name=functions.processor.log_group_name, namespace=METRICS_NAMESPACE,
        filters=LOG_FILTERS))
    _dashboard(stack, names, data, functions)
    return result


def _rows(table, namespace: str, dimension: str, infix: str, resources: dict[str, str]):
    """(alarm name, namespace, dimensions, metric, statistic, threshold) per resource and row."""
    return [(f"{part}-{infix}{kind}", namespace, {dimension: value}, metric, statistic, threshold)
            for part, value in resources.items() for kind, metric, statistic, threshold in table]


def _dashboard(stack: SystemStack, names: FraudNames, data: Data, functions: Functions) -> None:
    dims = {"Environment": stack.env.environment}
    lambdas = sorted(functions.monitored().items())

    def custom(metric: str, stat: str) -> tuple:
        return (METRICS_NAMESPACE, metric, dims, stat)

    def per_function(metric: str) -> tuple:
        return tuple(("AWS/Lambda", metric, {"FunctionName": f.function_name}, "Sum") for _, f in lambdas)

    streams = sorted(data.streams.items())
    tables = sorted(data.tables.items())
    widgets = (
        MetricWidget("Transactions processed and fraud detected", (
            custom("TransactionsProcessed", "Sum"), custom("FraudDetected", "Sum"))),
        MetricWidget("Detection accuracy and confidence", (
            custom("DetectionAccuracy", "Average"), custom("ConfidenceScore", "Average"),
            custom("FalsePositives", "Sum"))),
        MetricWidget("Processing latency (ms): average and p99", (
            custom("ProcessingLatency", "Average"), custom("ProcessingLatency", "p99"))),
        MetricWidget("Lambda errors and throttles", (*per_function("Errors"),
                                                     *per_function("Throttles"))),
        MetricWidget("Kinesis stream health", tuple(
            ("AWS/Kinesis", metric, {"StreamName": s.stream_name}, stat) for _, s in streams
            for metric, stat in (("GetRecords.IteratorAgeMilliseconds", "Maximum"),
                                 ("IncomingRecords", "Sum"),
                                 ("WriteProvisionedThroughputExceeded", "Sum")))),
        MetricWidget("DynamoDB capacity consumed", tuple(
            ("AWS/DynamoDB", metric, {"TableName": t.table_name}, "Sum") for _, t in tables
            for metric in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits"))),
    )
    Dashboard(stack, "dashboard", DashboardProps(dashboard_name=names.dashboard(),
                                                 widgets=widgets, region=stack.env.region))
