"""Business rules for appointments, applied the same way in mock and PF360 mode.

Appointments are one hour long, start on the hour between 08:00 and 16:00 (so they end by
17:00), Monday to Friday, from tomorrow up to 30 days ahead. Dates are calendar dates; "today"
is the UTC date, which is what the Lambda clock gives.

The opening hours and the booking window are those constants unless the Phase 2 settings
(pf_actions.app_settings: `business_hours`, `booking_window_days` in SSM) say otherwise.
"""

from __future__ import annotations

import datetime as dt
import re

from pf_actions import app_settings
from pf_actions.errors import InvalidInputError
from pf_actions.models import BusinessHours, DayHours, TimeSlot

# Defaults; the values in force come from opening_hours() and booking_window_days().
OPENS_AT = app_settings.DEFAULTS.opens_at  # 08:00
CLOSES_AT = app_settings.DEFAULTS.closes_at  # 17:00
SLOT_MINUTES = 60
BOOKING_WINDOW_DAYS = app_settings.DEFAULTS.booking_window_days  # 30
WORKING_DAYS = frozenset({0, 1, 2, 3, 4})  # Monday..Friday (date.weekday())
TIMEZONE_LABEL = "Local time at the project address"

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# "9", "09:00", "9:00 am", "2 PM": agents paraphrase times, so accept the common spellings.
_TIME_RE = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?\s*$", re.IGNORECASE)


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def fmt_time(value: dt.time) -> str:
    return value.strftime("%H:%M")


def opening_hours() -> tuple[dt.time, dt.time]:
    """(opens at, closes at) on working days."""
    settings = app_settings.current()
    return settings.opens_at, settings.closes_at


def booking_window_days() -> int:
    return app_settings.current().booking_window_days


def slot_starts() -> list[dt.time]:
    opens, closes = opening_hours()
    last_start = closes.hour - SLOT_MINUTES // 60
    return [dt.time(hour, 0) for hour in range(opens.hour, last_start + 1)]


def slot_for(start: dt.time) -> TimeSlot:
    end = (dt.datetime.combine(dt.date.min, start) + dt.timedelta(minutes=SLOT_MINUTES)).time()
    return TimeSlot(start_time=fmt_time(start), end_time=fmt_time(end))


def booking_window(today: dt.date) -> tuple[dt.date, dt.date]:
    return today + dt.timedelta(days=1), today + dt.timedelta(days=booking_window_days())


def bookable_dates(today: dt.date) -> list[dt.date]:
    first, last = booking_window(today)
    days = (last - first).days + 1
    candidates = (first + dt.timedelta(days=offset) for offset in range(days))
    return [day for day in candidates if day.weekday() in WORKING_DAYS]


def parse_start_time(raw: str) -> dt.time:
    """Turn the agent's time into a slot start, or explain which starts are valid."""
    match = _TIME_RE.match(raw)
    first, last = fmt_time(slot_starts()[0]), fmt_time(slot_starts()[-1])
    hint = f"Use a start time on the hour between {first} and {last} (24-hour HH:MM)."
    if not match:
        raise InvalidInputError(f"'{raw[:40]}' is not a time. {hint}")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").lower().replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            raise InvalidInputError(f"'{raw[:40]}' is not a time. {hint}")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        raise InvalidInputError(f"'{raw[:40]}' is not a time. {hint}")
    start = dt.time(hour, minute)
    if start not in slot_starts():
        opens, closes = opening_hours()
        raise InvalidInputError(
            f"{fmt_time(start)} is not an appointment slot: appointments last one hour within business "
            f"hours {fmt_time(opens)}-{fmt_time(closes)}. {hint}"
        )
    return start


def check_booking_date(day: dt.date, today: dt.date) -> None:
    first, last = booking_window(today)
    if day < first:
        raise InvalidInputError(f"{day.isoformat()} is not bookable: the earliest date is {first.isoformat()}.")
    if day > last:
        raise InvalidInputError(
            f"{day.isoformat()} is too far ahead: appointments can be booked up to {last.isoformat()}."
        )
    if day.weekday() not in WORKING_DAYS:
        raise InvalidInputError(
            f"{day.isoformat()} is a {_DAY_NAMES[day.weekday()]}; appointments are Monday to Friday only."
        )


def business_hours() -> BusinessHours:
    opens, closes = opening_hours()
    days = [
        DayHours(day=name, open=True, opens_at=fmt_time(opens), closes_at=fmt_time(closes))
        if index in WORKING_DAYS
        else DayHours(day=name, open=False, opens_at="", closes_at="")
        for index, name in enumerate(_DAY_NAMES)
    ]
    return BusinessHours(
        timezone=TIMEZONE_LABEL,
        days=days,
        appointment_length_minutes=SLOT_MINUTES,
        booking_window_days=booking_window_days(),
    )


def describe_slot(day: dt.date, start_time: str, end_time: str) -> str:
    """Human wording for messages, e.g. 'Tuesday 7 January 2025, 09:00-10:00'."""
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {day:%B %Y}, {start_time}-{end_time}"
