"""CloudWatch metrics in Embedded Metric Format (Powertools' EMF provider), Phase 2.

Names, namespaces and units are fixed (the alarms and dashboards match them exactly):

| Metric                   | Namespace  | Unit         | Emitted when                                        |
|--------------------------|------------|--------------|-----------------------------------------------------|
| AgentInvocationCount     | PF/Bedrock | Count        | chat API: every InvokeAgent call                    |
| AgentResponseTime        | PF/Bedrock | Milliseconds | chat API: call start to the end of the answer       |
| SessionAttributeFailures | PF/Bedrock | Count        | chat API: the agent rejected the request/attributes |
| PF360ApiErrors           | PF/Lambda  | Count        | a PF360 call failed after its retries               |
| LambdaErrors             | PF/Lambda  | Count        | an unexpected error caught by a handler wrapper     |
| SecretAgeDays            | PF/Lambda  | Count (days) | daily metrics: age of each listed secret            |

Every metric has exactly one dimension, Environment=$ENVIRONMENT (SecretAgeDays adds
SecretName). No `service` dimension: an alarm matches its dimensions exactly. Nothing is
emitted when ENVIRONMENT is unset (Phase 1 stacks), and emitting never raises.

Each call prints one EMF line at once (low volume: a few per invocation), so no metric is lost
when an invocation ends abruptly and no state is shared between invocations.
"""

from __future__ import annotations

import math
import os
from types import MappingProxyType
from typing import Final

from pf_actions.log import logger

BEDROCK_NAMESPACE = "PF/Bedrock"
LAMBDA_NAMESPACE = "PF/Lambda"

METRICS: Final = MappingProxyType(
    {
        "AgentInvocationCount": (BEDROCK_NAMESPACE, "Count"),
        "AgentResponseTime": (BEDROCK_NAMESPACE, "Milliseconds"),
        "SessionAttributeFailures": (BEDROCK_NAMESPACE, "Count"),
        "PF360ApiErrors": (LAMBDA_NAMESPACE, "Count"),
        "LambdaErrors": (LAMBDA_NAMESPACE, "Count"),
        "SecretAgeDays": (LAMBDA_NAMESPACE, "Count"),
    }
)


def environment() -> str:
    return os.environ.get("ENVIRONMENT", "").strip()


def emit(name: str, value: float = 1.0, **dimensions: str) -> None:
    """Print one EMF record for metric `name` (see the table), if ENVIRONMENT is set."""
    env = environment()
    if not env:
        return
    if not math.isfinite(value):  # NaN/inf would make the whole EMF line unreadable to CloudWatch
        logger.warning("Metric value not finite, not emitted", extra={"metric": name})
        return
    try:
        from aws_lambda_powertools.metrics import EphemeralMetrics

        namespace, unit = METRICS[name]
        # service="" keeps Powertools from adding a `service` dimension (POWERTOOLS_SERVICE_NAME).
        record = EphemeralMetrics(namespace=namespace, service="")
        record.add_dimension(name="Environment", value=env)
        for key, dimension_value in dimensions.items():
            record.add_dimension(name=key, value=dimension_value)
        record.add_metric(name=name, unit=unit, value=value)
        record.flush_metrics(raise_on_empty_metrics=True)
    except Exception:  # a metric must never break the work it measures
        logger.warning("Could not emit metric", extra={"metric": name}, exc_info=True)


def count(name: str) -> None:
    emit(name, 1.0)
