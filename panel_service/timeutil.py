"""UTC storage, the one clock the domain reads, and calendar dates in the service zone.

Instants are aware UTC everywhere. A calendar date (a term, a pledge, a retirement, the year
of a reference, a day picked in a report) is a day in the service zone, ``PANEL_TIMEZONE``:
take it with ``local_date(instant)`` or ``local_today()``, never ``instant.date()``, which
is the UTC day and eight hours wrong in Beijing. A day turns back into instants with
``start_of_day`` and ``day_range``; typed dates are read with ``parse_date``.

The zone is held here, like the clock, so that the domain needs neither Flask nor an extra
argument: the app factory (which the CLI and the worker go through) calls
``configure(timezone=config.TIMEZONE)`` once. Until then it is Asia/Shanghai, which is what
scripts and tests get. One zone per process.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

DEFAULT_TIMEZONE = "Asia/Shanghai"
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
# The first and last days whose midnights, and the next day's, datetime can hold in any zone.
_FIRST_DAY, _LAST_DAY = date.min + timedelta(days=1), date.max - timedelta(days=1)


class UTCDateTime(sa.types.TypeDecorator):
    """Store naive UTC, hand back aware UTC, on every database alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the service stores aware UTC times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def _system_now() -> datetime:
    return datetime.now(UTC)


# Tests and the worker's dry runs replace this to move time; everything reads now().
_clock: Callable[[], datetime] = _system_now
_zone: ZoneInfo = ZoneInfo(DEFAULT_TIMEZONE)


def now() -> datetime:
    """Current time, aware UTC, from the injectable clock."""
    return _clock()


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Install a clock (None restores the system clock)."""
    global _clock
    _clock = clock or _system_now


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone of this name; ValueError if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def configure(*, timezone: str) -> None:
    """Set the service zone (an IANA name such as Asia/Shanghai); ValueError if unknown."""
    global _zone
    _zone = zone_named(timezone)


def zone() -> ZoneInfo:
    """The service zone, in which every calendar date is taken."""
    return _zone


def localize(value: datetime | None, tz_name: str | None = None) -> datetime | None:
    """The given aware time in the display zone (default: the service zone)."""
    if value is None:
        return None
    return value.astimezone(zone_named(tz_name) if tz_name else _zone)


def local_date(instant: datetime) -> date:
    """The calendar day in the service zone at this aware instant."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime given; a calendar date needs an aware instant")
    return instant.astimezone(_zone).date()


def local_today() -> date:
    """Today in the service zone, by the service clock."""
    return local_date(now())


def start_of_day(day: date) -> datetime:
    """The instant, aware UTC, at which this day begins in the service zone."""
    return datetime.combine(day, time.min, tzinfo=_zone).astimezone(UTC)


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants [start of ``first``, start of the day after ``last``) in the service zone."""
    return start_of_day(first), start_of_day(last + timedelta(days=1))


def local_months(
    start: datetime, end: datetime, tz_name: str | None = None
) -> list[tuple[str, datetime, datetime]]:
    """The calendar months (service zone, or ``tz_name``) that [start, end) touches: each
    as its label ``YYYY-MM`` and the instants [from, to) of it inside the period.

    A month begins at the first instant whose local date is its 1st, so counting instants
    between these bounds is the same as labelling each instant with its local month.
    """
    tz = zone_named(tz_name) if tz_name else _zone
    local = start.astimezone(tz)
    year, month, lo, months = local.year, local.month, start, []
    while lo < end:
        following = (year + month // 12, month % 12 + 1)
        if following[0] > MAXYEAR:
            hi = end
        else:  # a midnight that does not exist (DST) maps past the gap: still the 1st
            hi = min(end, datetime(*following, 1, tzinfo=tz).astimezone(UTC))
        months.append((f"{year:04d}-{month:02d}", lo, hi))
        (year, month), lo = following, hi
    return months


def at_local(day: date, clock: time) -> datetime:
    """The instant, aware UTC, of this wall-clock time on this day in the service zone."""
    return datetime.combine(day, clock, tzinfo=_zone).astimezone(UTC)


_WEEKDAYS_ZH = "一二三四五六日"


def deadline_text(instant: datetime, *, lang: str = "zh", year: bool = False) -> str:
    """A deadline as people read it, in the service zone with its weekday.

    ``12月4日（周五）18:00`` (``2026年12月4日（周五）18:00`` with ``year``); in English
    ``Fri 4 Dec 18:00`` (``Fri 4 Dec 2026 18:00``). Every screen and every text shows a
    deadline through this one function, so all of them show the same instant alike.
    """
    local = instant.astimezone(_zone)
    if lang == "en":
        day = f"{local:%a} {local.day} {local:%b}" + (f" {local.year}" if year else "")
        return f"{day} {local:%H:%M}"
    prefix = f"{local.year}年" if year else ""
    return f"{prefix}{local.month}月{local.day}日（周{_WEEKDAYS_ZH[local.weekday()]}）{local:%H:%M}"


def parse_date(text: str) -> date:
    """A typed date, YYYY-MM-DD (full-width digits too); ValueError for anything else."""
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        raise ValueError(f"not a date like 2025-10-01: {text!r}")
    day = date(*(int(part) for part in match.groups()))
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise ValueError(f"a date beyond the calendar: {text!r}")
    return day
