"""The voting window: when a seat's deadline falls and when its reminder goes.

A deadline is fixed when the seat is taken and never moves, so the SMS, the panelist's
page, the staff and department pages and the API all show the one stored instant. It
counts from the *first moment the invitation may be sent*: the seating time, or the end
of the quiet hours when the seat is taken at night (the invitation waits until then), so
the night never eats into the time a panelist has. In the working-days mode (default) the
deadline is ``deadline_time`` (18:00) on the ``voting_workdays``-th (3rd) working day after
that day; in the hours mode (``voting_workdays = 0``) it is ``voting_hours`` after that
moment. A text delayed further by a provider's failure does not move it.

The reminder goes at ``reminder_time`` (09:00) on the last working day before the deadline
day; in the hours mode ``reminder_hours`` before the deadline. A reminder time that is not
after the invitation's first moment is dropped (None): the invitation itself is fresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from ..rules import PanelRules
from ..timeutil import at_local, local_date
from . import workdays


@dataclass(frozen=True)
class Window:
    """A seat's deadline and the time of its reminder (None: no reminder)."""

    opens: datetime  # the first moment the invitation may be sent
    deadline: datetime
    remind_at: datetime | None


def window(
    *,
    rules: PanelRules,
    calendar: workdays.WorkCalendar,
    now: datetime,
    at_least: datetime | None = None,
) -> Window:
    """The window of a seat taken at ``now``, ending no earlier than ``at_least``."""
    opens = rules.quiet_hours.next_allowed(now)
    if rules.in_workdays:
        last_day = calendar.nth_workday_after(local_date(opens), rules.voting_workdays)
        deadline = at_local(last_day, rules.deadline_time)
    else:
        deadline = opens + rules.voting_window
    if at_least is not None and at_least > deadline:
        deadline = at_least  # a substitute keeps at least the panel's deadline
    if rules.in_workdays:
        day = calendar.last_workday_before(local_date(deadline))
        remind = at_local(day, rules.reminder_time)
    else:
        remind = deadline - rules.reminder_lead
    return Window(opens, deadline, remind if opens < remind < deadline else None)


def seat_window(
    *, session: Session, rules: PanelRules, now: datetime, at_least: datetime | None = None
) -> Window:
    """The window of a seat taken now, with the stored calendar overrides."""
    calendar = workdays.load(session=session)
    return window(rules=rules, calendar=calendar, now=now, at_least=at_least)
