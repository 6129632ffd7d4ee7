"""What the Lambda context tells a long-running (scheduled) handler."""

from __future__ import annotations

from typing import Any


def time_left_ms(context: Any) -> float:
    """Milliseconds left in this invocation; infinity without a Lambda context (tests, scripts)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        try:
            return float(remaining())
        except (TypeError, ValueError):
            pass
    return float("inf")
