"""The rules' small types: times of day and the quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from panel_service import timeutil
from panel_service.rules import QuietHours, parse_clock


def beijing(*args) -> datetime:
    return datetime(*args, tzinfo=timeutil.zone()).astimezone(UTC)


@pytest.mark.parametrize(("text", "value"), [("18:00", time(18)), ("8:05", time(8, 5)),
                                             (" 23:59 ", time(23, 59))])  # fmt: skip
def test_times_of_day(text, value):
    assert parse_clock(text) == value


@pytest.mark.parametrize("text", ["24:00", "18", "18:60", "６:00", "18:00:00", ""])
def test_not_times_of_day(text):
    with pytest.raises(ValueError):
        parse_clock(text)


@pytest.mark.parametrize(
    ("instant", "quiet", "allowed"),
    [
        (beijing(2025, 11, 17, 20, 59), False, beijing(2025, 11, 17, 20, 59)),
        (beijing(2025, 11, 17, 21, 0), True, beijing(2025, 11, 18, 8, 0)),
        (beijing(2025, 11, 17, 23, 30), True, beijing(2025, 11, 18, 8, 0)),
        (beijing(2025, 11, 18, 3, 0), True, beijing(2025, 11, 18, 8, 0)),
        (beijing(2025, 11, 18, 7, 59), True, beijing(2025, 11, 18, 8, 0)),
        (beijing(2025, 11, 18, 8, 0), False, beijing(2025, 11, 18, 8, 0)),
    ],
)
def test_the_default_window_spans_midnight(instant, quiet, allowed):
    window = QuietHours.parse("21:00-08:00")
    assert window.contains(instant) is quiet
    assert window.next_allowed(instant) == allowed


def test_a_window_within_one_day_and_none():
    lunch = QuietHours.parse("12:00-13:30")
    assert lunch.contains(beijing(2025, 11, 17, 12, 45))
    assert lunch.next_allowed(beijing(2025, 11, 17, 12, 45)) == beijing(2025, 11, 17, 13, 30)
    assert not lunch.contains(beijing(2025, 11, 17, 20, 0))
    for off in ("off", "", "08:00-08:00"):
        assert QuietHours.parse(off).off and not QuietHours.parse(off).contains(
            beijing(2025, 11, 17, 3, 0)
        )


def test_the_last_end_of_the_window():
    window = QuietHours.parse("21:00-08:00")
    assert window.last_end(beijing(2025, 11, 18, 8, 5)) == beijing(2025, 11, 18, 8, 0)
    assert window.last_end(beijing(2025, 11, 18, 7, 0)) == beijing(2025, 11, 17, 8, 0)


@pytest.mark.parametrize("text", ["21:00", "21:00-", "night", "21:00-25:00"])
def test_bad_windows_are_refused(text):
    with pytest.raises(ValueError):
        QuietHours.parse(text)


@pytest.mark.parametrize(
    ("lang", "year", "text"),
    [("zh", False, "12月4日（周五）18:00"), ("zh", True, "2026年12月4日（周五）18:00"),
     ("en", False, "Fri 4 Dec 18:00"), ("en", True, "Fri 4 Dec 2026 18:00")],
)  # fmt: skip
def test_a_deadline_reads_in_beijing_time_with_its_weekday(lang, year, text):
    assert timeutil.deadline_text(beijing(2026, 12, 4, 18, 0), lang=lang, year=year) == text
