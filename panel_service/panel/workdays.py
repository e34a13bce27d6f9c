"""Working days of the official calendar, as government offices count deadlines.

The State Council publishes each year's holidays and the adjusted working weekends (调休)
late in the year before; the ``chinese-calendar`` package carries them, a release per
year. For a year it does not cover (yet), the service counts Monday to Friday, says so
(``coverage``: on ``/readyz`` and the admin pages) and lets admins set dated overrides, a
holiday or a working day, which beat every other source. Setting or removing one is
audited in the membership chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import chinese_calendar
from sqlmodel import Session, col, select

from .. import memo
from ..enums import AuditKind
from ..models import CalendarOverride
from ..record import audit
from ..timeutil import local_date

_OFFICIAL_DAYS = set(chinese_calendar.holidays) | set(chinese_calendar.workdays)
OFFICIAL_YEARS = range(min(_OFFICIAL_DAYS).year, max(_OFFICIAL_DAYS).year + 1)


def officially_covered(year: int) -> bool:
    """Whether the installed ``chinese-calendar`` knows this year's holidays."""
    return year in OFFICIAL_YEARS


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: overrides, then the official calendar, then Mon-Fri."""

    overrides: dict[date, bool] = field(default_factory=dict)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if officially_covered(day.year):
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def source(self, day: date) -> str:
        """Where the answer for ``day`` comes from: override, official or weekdays."""
        if day in self.overrides:
            return "override"
        return "official" if officially_covered(day.year) else "weekdays"

    def nth_workday_after(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``day`` itself does not count)."""
        found = day
        for _ in range(n):
            found += timedelta(days=1)
            while not self.is_workday(found):
                found += timedelta(days=1)
        return found

    def last_workday_before(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        found = day - timedelta(days=1)
        while not self.is_workday(found):
            found -= timedelta(days=1)
        return found


def load(*, session: Session) -> WorkCalendar:
    """The calendar with every override stored, read once per transaction (a submission
    asks twice: the appeal's deadline, then its seats')."""
    kept = memo.of(session)
    if _MEMO not in kept:
        rows = session.exec(select(CalendarOverride)).all()
        kept[_MEMO] = WorkCalendar({row.day: row.workday for row in rows})
    return kept[_MEMO]


_MEMO = "work_calendar"


def overrides(*, session: Session) -> list[CalendarOverride]:
    """Every override, by day."""
    return list(session.exec(select(CalendarOverride).order_by(col(CalendarOverride.day))))


@dataclass(frozen=True)
class Coverage:
    """Whether the calendar knows the years a deadline may fall in (this one and the next)."""

    uncovered: tuple[int, ...]  # years counted Monday to Friday plus overrides
    overrides: int  # overrides stored for those years

    @property
    def ok(self) -> bool:
        return not self.uncovered


def coverage(*, session: Session, now: datetime) -> Coverage:
    """Which of this year and the next the official calendar does not cover."""
    this_year = local_date(now).year
    uncovered = tuple(y for y in (this_year, this_year + 1) if not officially_covered(y))
    count = sum(1 for row in overrides(session=session) if row.day.year in uncovered)
    return Coverage(uncovered, count)


def set_override(
    *, session: Session, day: date, workday: bool, note: str, actor: str, now: datetime
) -> CalendarOverride:
    """Make ``day`` a working day or a holiday from now on; audited. The caller commits.

    Deadlines already fixed stay as they are (a panelist was told theirs); seats taken from
    now on count with the override.
    """
    row = session.get(CalendarOverride, day, with_for_update=True) or CalendarOverride(day=day)
    row.workday, row.note = workday, (note or "").strip()[:200]
    row.created_by, row.created_at = actor, now
    session.add(row)
    session.flush()
    memo.take(session, _MEMO)  # what this transaction read before is out of date
    audit.record(
        session=session,
        kind=AuditKind.CALENDAR_OVERRIDE_SET,
        actor=actor,
        appeal_id=None,
        now=now,
        data={"day": day.isoformat(), "workday": workday, "note": row.note},
    )
    return row


def remove_override(*, session: Session, day: date, actor: str, now: datetime) -> bool:
    """Drop the override of ``day`` (the official calendar rules it again); audited.

    False when there was none. The caller commits.
    """
    row = session.get(CalendarOverride, day, with_for_update=True)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    memo.take(session, _MEMO)
    audit.record(
        session=session,
        kind=AuditKind.CALENDAR_OVERRIDE_REMOVED,
        actor=actor,
        appeal_id=None,
        now=now,
        data={"day": day.isoformat(), "workday": row.workday},
    )
    return True
