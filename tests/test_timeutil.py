"""Calendar dates are days in the service zone (Beijing), whatever the UTC instant says."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from panel_service import create_app, timeutil
from panel_service.config import Config, ConfigError

PACKAGE = Path(__file__).resolve().parent.parent / "panel_service"


@pytest.fixture
def restore_zone():
    """Put the default zone back, whatever the test configured."""
    yield
    timeutil.configure(timezone=timeutil.DEFAULT_TIMEZONE)


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        # 07:30 on 1 October in Beijing is still 30 September in UTC.
        (datetime(2025, 9, 30, 23, 30, tzinfo=UTC), date(2025, 10, 1)),
        (datetime(2025, 9, 30, 15, 59, 59, tzinfo=UTC), date(2025, 9, 30)),
        (datetime(2025, 9, 30, 16, 0, tzinfo=UTC), date(2025, 10, 1)),
        (datetime(2025, 12, 31, 15, 30, tzinfo=UTC), date(2025, 12, 31)),
        (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), date(2026, 1, 1)),
    ],
)
def test_local_date_is_the_beijing_calendar_day(instant, day):
    assert timeutil.local_date(instant) == day


@pytest.mark.parametrize(
    "zone",
    # Beijing; Asuncion, whose clocks jumped at midnight on 1 October 2023 (a 1st with no
    # 00:00); Havana, where 1 November 2020 began twice; Kolkata, half an hour off UTC;
    # Chatham, 45 minutes off and with summer time.
    ["Asia/Shanghai", "America/Asuncion", "America/Havana", "Asia/Kolkata", "Pacific/Chatham"],
)
def test_local_months_bound_the_instants_each_month_labels(zone):
    from bisect import bisect_right
    from datetime import timedelta

    start, end = datetime(2020, 9, 15, 7, 0, tzinfo=UTC), datetime(2024, 9, 20, tzinfo=UTC)
    months = timeutil.local_months(start, end, zone)
    assert months[0][1] == start and months[-1][2] == end
    assert all(a[2] == b[1] for a, b in zip(months, months[1:], strict=False))  # no gap
    bounds = [lo for _label, lo, _hi in months]
    # Every 37 minutes across the period, and the instants either side of each bound.
    instants = [start + timedelta(minutes=37 * n) for n in range(57_000)]
    instants += [lo + timedelta(microseconds=d) for lo in bounds[1:] for d in (-1, 0)]
    for instant in (i for i in instants if start <= i < end):
        label = timeutil.localize(instant, zone).strftime("%Y-%m")
        assert months[bisect_right(bounds, instant) - 1][0] == label, instant


def test_local_date_refuses_a_naive_time():
    with pytest.raises(ValueError, match="naive"):
        timeutil.local_date(datetime(2025, 10, 1, 7, 30))


def test_local_today_reads_the_service_clock():
    timeutil.set_clock(lambda: datetime(2025, 9, 30, 23, 30, tzinfo=UTC))
    try:
        assert timeutil.local_today() == date(2025, 10, 1)
    finally:
        timeutil.set_clock(None)


def test_a_local_day_starts_at_beijing_midnight_given_in_utc():
    start = timeutil.start_of_day(date(2025, 10, 1))
    assert start == datetime(2025, 9, 30, 16, 0, tzinfo=UTC)
    assert start.tzinfo is UTC


def test_a_range_of_local_days_runs_from_the_first_midnight_to_the_one_after_the_last():
    assert timeutil.day_range(date(2025, 10, 1), date(2025, 10, 31)) == (
        datetime(2025, 9, 30, 16, 0, tzinfo=UTC),
        datetime(2025, 10, 31, 16, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025-10-01", date(2025, 10, 1)),
        (" 2025-10-01 ", date(2025, 10, 1)),
        ("2025-1-5", date(2025, 1, 5)),
        ("２０２５－１０－０１", date(2025, 10, 1)),  # full-width, as a Chinese IME types it
    ],
)
def test_dates_are_read_in_their_usual_spellings(text, day):
    assert timeutil.parse_date(text) == day


@pytest.mark.parametrize(
    "text",
    ["", "2025-13-01", "2025-02-30", "2025/10/01", "x", "١٢٣٤-01-01", "0001-01-01", "9999-12-31"],
)
def test_other_text_is_not_a_date(text):
    with pytest.raises(ValueError):
        timeutil.parse_date(text)


def test_the_configured_zone_decides_every_calendar_date(restore_zone):
    timeutil.configure(timezone="America/New_York")
    instant = datetime(2025, 9, 30, 23, 30, tzinfo=UTC)  # 19:30 in New York
    assert timeutil.local_date(instant) == date(2025, 9, 30)
    assert timeutil.start_of_day(date(2025, 10, 1)) == datetime(2025, 10, 1, 4, 0, tzinfo=UTC)


def test_an_unknown_zone_is_refused(restore_zone):
    with pytest.raises(ValueError, match="Mars/Olympus"):
        timeutil.configure(timezone="Mars/Olympus")
    with pytest.raises(ConfigError, match="PANEL_TIMEZONE"):
        Config.from_env({"PANEL_TIMEZONE": "Mars/Olympus"})


def test_the_app_factory_takes_the_zone_from_panel_timezone(tmp_path, restore_zone):
    config = Config.from_env(
        {"PANEL_TIMEZONE": "America/New_York"},
        DATABASE_URL=f"sqlite:///{tmp_path / 'tz.db'}",
        ENV="testing",
    )
    app = create_app(config)
    try:
        assert timeutil.zone().key == "America/New_York"
    finally:
        app.extensions["panel_engine"].dispose()


INSTANT_NAMES = {"now", "on", "at", "instant"}  # what the domain calls its instants


def _calendar_dates_from_instants(tree: ast.AST) -> list[int]:
    """Lines taking a date from an instant in UTC: ``x.date()``, ``now.year``, ``utcnow()``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, args = node.func.attr, node.args or node.keywords
            if (name == "date" and not args) or name in {"today", "utcnow", "utcfromtimestamp"}:
                lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr in {"year", "month", "day"}:
            value = node.value
            if isinstance(value, ast.Call):
                value = value.func.attr if isinstance(value.func, ast.Attribute) else value.func
            if getattr(value, "id", value) in INSTANT_NAMES:
                lines.append(node.lineno)
    return lines


def test_the_check_finds_each_way_of_taking_a_utc_date():
    source = "on.date()\nnow.year\ntimeutil.now().month\ndate.today()\ndatetime.utcnow()\n"
    assert _calendar_dates_from_instants(ast.parse(source)) == [1, 2, 3, 4, 5]
    fine = "local_date(now).year\nlocal.month\ndatetime.date(x)\ntime.day\n"
    assert _calendar_dates_from_instants(ast.parse(fine)) == []


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(PACKAGE.rglob("*.py")) if p.name != "timeutil.py"],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_calendar_dates_come_from_timeutil_only(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = _calendar_dates_from_instants(tree)
    assert found == [], f"lines {found}: take calendar dates with timeutil.local_date"
