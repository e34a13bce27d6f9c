"""The one way pages show a time or a calendar day: in the service zone, in the page's
language (``2026年12月4日（周五）18:00`` on a Chinese page, ``Fri 4 Dec 2026 18:00`` on an
English one)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import get_locale
from flask_babel import gettext as _

from .. import timeutil

_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip


def language() -> str:
    """The page's language: ``en`` or ``zh`` (the default)."""
    return "en" if str(get_locale() or "zh") == "en" else "zh"


def html_lang() -> str:
    """The page's language as an HTML ``lang`` value (for <html> and date inputs)."""
    return "en" if language() == "en" else "zh-CN"


def format_day(value: date, lang: str) -> str:
    """A calendar day: 2026年12月4日 or 4 Dec 2026."""
    if lang == "en":
        return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def format_instant(value: datetime, lang: str) -> str:
    """An aware instant in the service zone, with its weekday and the time to the minute."""
    day, clock = timeutil.local_date(value), timeutil.localize(value).strftime("%H:%M")
    if lang == "en":
        return f"{_EN_WEEKDAYS[day.weekday()]} {format_day(day, lang)} {clock}"
    return f"{format_day(day, lang)}（周{_ZH_WEEKDAYS[day.weekday()]}）{clock}"


def when(value: datetime | str | None) -> str:
    """A stored instant (or its ISO text, as the public record carries it) as the page
    shows it; empty for none."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if value else None
    return "" if value is None else format_instant(value, language())


def deadline(value: datetime | None) -> str:
    """A deadline as every screen shows it, e.g. 12月4日（周五）18:00: the year only when
    it is not this one, the way the SMS said it."""
    if value is None:
        return ""
    year = timeutil.local_date(value).year != timeutil.local_today().year
    return timeutil.deadline_text(value, lang=language(), year=year)


def day(value: date | str | None) -> str:
    """A calendar day (a term, a pledge, a retirement) as the page shows it; empty for none."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if value else None
    return "" if value is None else format_day(value, language())


def age(since: datetime, now: datetime) -> str:
    """How long ago, in the largest whole unit: 45 minutes, 3 hours, 2 days."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 120:
        return _("%(n)d minutes", n=minutes)
    if minutes < 48 * 60:
        return _("%(n)d hours", n=minutes // 60)
    return _("%(n)d days", n=minutes // (24 * 60))
