"""Powertools Tracer inside Lambda, else a stand-in.

The zips vendor aws-xray-sdk (lambda/scheduling/requirements.txt; botocore, which it needs,
comes with the runtime), so in Lambda (LAMBDA_TASK_ROOT set) the handlers trace with
Powertools' Tracer. Outside Lambda (tests, the schema generator) Powertools would disable the
Tracer anyway, so the stand-in spares the SDK's import (over a second: it loads botocore); it
is also used if the SDK is missing.
Responses are never captured as trace metadata: they hold customer conversations.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Any


class _NoTracer:
    """What the handlers use of Tracer, doing nothing."""

    disabled = True

    def capture_lambda_handler(self, handler: Callable[..., Any] | None = None, **_: Any) -> Any:
        return handler if handler is not None else (lambda inner: inner)

    def capture_method(self, method: Callable[..., Any] | None = None, **_: Any) -> Any:
        return method if method is not None else (lambda inner: inner)

    def put_annotation(self, key: str, value: Any) -> None:
        return None


def _make() -> Any:
    if not os.environ.get("LAMBDA_TASK_ROOT") or importlib.util.find_spec("aws_xray_sdk") is None:
        return _NoTracer()
    from aws_lambda_powertools import Tracer

    return Tracer()


tracer = _make()


def capture_handler(handler: Callable[..., Any]) -> Callable[..., Any]:
    """tracer.capture_lambda_handler without capturing the response (or errors) as metadata."""
    return tracer.capture_lambda_handler(handler, capture_response=False, capture_error=False)
