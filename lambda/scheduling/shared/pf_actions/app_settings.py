"""Business settings from SSM Parameter Store (Phase 2), with today's values as defaults.

When SETTINGS_PARAMETER_PATH is set (e.g. "/pf/dev/scheduling/"), the first call of an
invocation reads every parameter under it with GetParametersByPath and keeps the result for
SETTINGS_CACHE_SECONDS (default 300); a failed read is retried after a minute at most. Without
the variable (Phase 1 stacks) the defaults apply and boto3 is never imported.

| Parameter (name under the path) | Default        | Meaning                                            |
|---------------------------------|----------------|----------------------------------------------------|
| business_hours                  | "08:00-17:00"  | opening hours on weekdays, whole hours, 1 h slots  |
| booking_window_days             | "30"           | how many days ahead appointments can be booked     |
| cache_ttl_seconds               | "900"          | lifetime of a cached PF360 answer (CACHE_TABLE)    |
| session_idle_days               | "30"           | chat sessions idle this long are deleted           |
| feature_flags                   | "{}"           | JSON object of booleans, e.g. {"use_cache": true}  |

A missing, unreadable or invalid value falls back to its default with a WARNING log (once per
read); reading the settings never raises.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pf_actions.log import logger

PATH_ENV = "SETTINGS_PARAMETER_PATH"
CACHE_SECONDS_ENV = "SETTINGS_CACHE_SECONDS"
DEFAULT_CACHE_SECONDS = 300
FAILURE_RETRY_SECONDS = 60

_HOURS_RE = re.compile(r"^\s*(\d{2}):00\s*-\s*(\d{2}):00\s*$")


@dataclass(frozen=True)
class AppSettings:
    opens_at: dt.time = dt.time(8, 0)
    closes_at: dt.time = dt.time(17, 0)
    booking_window_days: int = 30
    cache_ttl_seconds: int = 900
    session_idle_days: int = 30
    feature_flags: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))

    def flag(self, name: str, default: bool = False) -> bool:
        return bool(self.feature_flags.get(name, default))


DEFAULTS = AppSettings()


def current() -> AppSettings:
    """The settings in force: the defaults, or the cached SSM values (refreshed when stale)."""
    path = os.environ.get(PATH_ENV, "").strip()
    if not path:
        return DEFAULTS
    return _CACHE.get(path)


def clear_cache() -> None:
    _CACHE.clear()


# Parsing: one function per parameter, each returning the value or raising ValueError.


def _business_hours(raw: str) -> tuple[dt.time, dt.time]:
    match = _HOURS_RE.match(raw)
    if not match:
        raise ValueError("expected HH:00-HH:00")
    opens, closes = int(match.group(1)), int(match.group(2))
    if not 0 <= opens < closes <= 23:
        raise ValueError("the opening hour must come before the closing hour, both from 00 to 23")
    return dt.time(opens), dt.time(closes)


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        reason = f"expected an integer from {low} to {high}"
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(reason) from None  # int()'s own message quotes the value
        if not low <= value <= high:
            raise ValueError(reason)
        return value

    return parse


def _feature_flags(raw: str) -> Mapping[str, bool]:
    data = json.loads(raw)
    if not isinstance(data, dict) or not all(isinstance(v, bool) for v in data.values()):
        raise ValueError("expected a JSON object of booleans")
    return MappingProxyType(dict(data))


_PARSERS: Mapping[str, Callable[[str], Any]] = MappingProxyType(
    {
        "business_hours": _business_hours,
        "booking_window_days": _int_between(1, 365),
        "cache_ttl_seconds": _int_between(1, 7 * 86400),
        "session_idle_days": _int_between(1, 3650),
        "feature_flags": _feature_flags,
    }
)


def parse(values: Mapping[str, str]) -> AppSettings:
    """AppSettings from parameter values (name under the path -> value); defaults for the rest."""
    parsed: dict[str, Any] = {}
    for name, parser in _PARSERS.items():
        raw = values.get(name)
        if raw is None:
            logger.warning("Setting missing, using the default", extra={"setting": name})
            continue
        try:
            parsed[name] = parser(raw)
        except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
            # The reason, never the value: a parameter may be a SecureString.
            logger.warning("Setting invalid, using the default", extra={"setting": name, "reason": str(exc)[:120]})
    hours = parsed.pop("business_hours", (DEFAULTS.opens_at, DEFAULTS.closes_at))
    return AppSettings(opens_at=hours[0], closes_at=hours[1], **parsed)


def _read_parameters(path: str) -> dict[str, str]:
    """Every parameter under `path` (recursively), keyed by its name relative to the path."""
    from pf_actions import aws

    prefix = path if path.endswith("/") else path + "/"
    values: dict[str, str] = {}
    pages = aws.client("ssm").get_paginator("get_parameters_by_path")
    for page in pages.paginate(Path=prefix.rstrip("/") or "/", Recursive=True, WithDecryption=True):
        for parameter in page.get("Parameters", []):
            name = parameter.get("Name", "")
            if name.startswith(prefix) and isinstance(parameter.get("Value"), str):
                values[name[len(prefix) :]] = parameter["Value"]
    return values


class _SettingsCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._path = ""
        self._value = DEFAULTS
        self._valid_until = 0.0

    def clear(self) -> None:
        with self._lock:
            self._path, self._value, self._valid_until = "", DEFAULTS, 0.0

    def get(self, path: str) -> AppSettings:
        with self._lock:
            now = self._clock()
            if path == self._path and now < self._valid_until:
                return self._value
            lifetime = _cache_seconds()
            try:
                self._value = parse(_read_parameters(path))
                logger.info("Loaded settings from SSM", extra={"parameter_path": path})
            except Exception as exc:  # botocore errors, no credentials, anything: never fail the caller
                from pf_actions.aws import error_code

                logger.warning(
                    "Could not read the settings from SSM, using the defaults",
                    extra={"parameter_path": path, "error_code": error_code(exc)},
                )
                self._value = DEFAULTS
                lifetime = min(lifetime, FAILURE_RETRY_SECONDS)
            self._path, self._valid_until = path, now + lifetime
            return self._value


def _cache_seconds() -> int:
    raw = os.environ.get(CACHE_SECONDS_ENV, "").strip()
    if not raw:
        return DEFAULT_CACHE_SECONDS
    try:
        return max(0, int(raw))
    except ValueError:
        logger.warning("Invalid SETTINGS_CACHE_SECONDS, using the default", extra={"value": raw[:20]})
        return DEFAULT_CACHE_SECONDS


_CACHE = _SettingsCache()
