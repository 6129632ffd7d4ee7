"""Units behind the handlers: booking rules, settings parsing, error messages."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

MONDAY = dt.date(2025, 1, 6)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("08:00", "08:00"),
        ("8:00", "08:00"),
        ("16:00", "16:00"),
        ("12 PM", "12:00"),
        ("12 am", None),
        ("4 pm", "16:00"),
        ("5 pm", None),
        ("16:30", None),
        ("7:00", None),
        ("1:00", None),
        ("99", None),
        ("09:60", None),
        ("09-00", None),
        ("", None),
        (" 10:00 ", "10:00"),
    ],
)
def test_parse_start_time(pf: SimpleNamespace, raw: str, expected: str | None) -> None:
    rules = pf.schedule_rules
    if expected is None:
        with pytest.raises(pf.errors.InvalidInputError):
            rules.parse_start_time(raw)
    else:
        assert rules.parse_start_time(raw).strftime("%H:%M") == expected


def test_slots_cover_business_hours(pf: SimpleNamespace) -> None:
    rules = pf.schedule_rules
    slots = [rules.slot_for(start) for start in rules.slot_starts()]
    assert (slots[0].start_time, slots[-1].end_time, len(slots)) == ("08:00", "17:00", 9)


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (MONDAY, False),
        (MONDAY + dt.timedelta(days=1), True),
        (dt.date(2025, 1, 11), False),
        (dt.date(2025, 2, 5), True),
        (dt.date(2025, 2, 6), False),
        (dt.date(2024, 12, 31), False),
    ],
)
def test_booking_window(pf: SimpleNamespace, day: dt.date, ok: bool) -> None:
    check = pf.schedule_rules.check_booking_date
    if ok:
        check(day, MONDAY)
        assert day in pf.schedule_rules.bookable_dates(MONDAY)
    else:
        with pytest.raises(pf.errors.InvalidInputError):
            check(day, MONDAY)
        assert day not in pf.schedule_rules.bookable_dates(MONDAY)


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("FALSE", False), (" 1 ", True), ("off", False)])
def test_use_mock_api_values(pf: SimpleNamespace, raw: str, expected: bool) -> None:
    assert pf.settings.Settings.from_env({"USE_MOCK_API": raw}).use_mock_api is expected


def test_settings_defaults_to_mock_and_trims(pf: SimpleNamespace) -> None:
    settings = pf.settings.Settings.from_env({"PF360_API_BASE_URL": " https://api.pf360.com/ "})
    assert settings.use_mock_api is True
    assert settings.pf360_base_url == "https://api.pf360.com"


def test_validation_message_names_fields_and_caps_detail(pf: SimpleNamespace) -> None:
    errors = [{"loc": ("body", f"f{i}"), "msg": "Field required", "type": "missing"} for i in range(5)]
    message = pf.bedrock.validation_message(errors)
    assert message.startswith("Invalid input - f0: Field required; f1")
    assert message.endswith("(and 2 more).")
