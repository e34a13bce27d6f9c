"""Times and days as pages show them: one formatter, in the page's language and zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from panel_service.views import dates

VIEWS = Path(__file__).resolve().parents[2] / "panel_service" / "views"
FRIDAY_EVENING = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # 18:00 in Beijing


@pytest.mark.parametrize(
    ("lang", "shown"),
    [("zh", "2026年12月4日（周五）18:00"), ("en", "Fri 4 Dec 2026 18:00")],
)
def test_an_instant_in_the_style_of_each_language(lang, shown):
    assert dates.format_instant(FRIDAY_EVENING, lang) == shown


def test_the_local_day_is_shown_not_the_utc_day():
    late = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # already 1 January in Beijing
    assert dates.format_instant(late, "zh") == "2027年1月1日（周五）01:30"
    assert dates.format_instant(late, "en") == "Fri 1 Jan 2027 01:30"


@pytest.mark.parametrize(("lang", "shown"), [("zh", "2026年3月1日"), ("en", "1 Mar 2026")])
def test_a_calendar_day_in_each_language(lang, shown):
    assert dates.format_day(date(2026, 3, 1), lang) == shown


@pytest.mark.parametrize(("query", "shown"), [("", "2026年12月4日（周五）18:00"),
                                              ("?lang=en", "Fri 4 Dec 2026 18:00")])  # fmt: skip
def test_pages_pick_the_style_from_their_locale(app, query, shown):
    with app.test_request_context(f"/{query}"):
        assert dates.when(FRIDAY_EVENING) == shown and dates.when(None) == ""


def test_the_views_format_times_in_one_place():
    """Every other module goes through views/dates.py: no second strftime to drift."""
    others = [
        str(path.relative_to(VIEWS))
        for path in VIEWS.rglob("*.py")
        if path.name != "dates.py" and re.search(r"strftime|isoformat\(\)\.replace|%H:%M",
                                                  path.read_text(encoding="utf-8"))
    ]  # fmt: skip
    assert others == []
