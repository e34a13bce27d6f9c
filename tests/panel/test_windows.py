"""Deadlines in working days of the official calendar, from the first moment a text may go.

Written first (before the fix) as tests/panel/test_workdays_first.py: an appeal drawn before
National Day fell due on 3 October, in the middle of the holiday.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select

from panel_service import timeutil
from panel_service.appeals.submission import create_appeal
from panel_service.config import Config
from panel_service.enums import AssignmentState, AuditKind, MessageKind
from panel_service.models import Appeal, Assignment, AuditEvent, OutboxMessage
from panel_service.panel import deadlines, windows, workdays
from panel_service.record.audit import verify_chain
from panel_service.rules import PanelRules

from .. import factories

DEFAULT = PanelRules.from_config(Config.from_env(environ={}))  # 3 working days, 18:00, 21-08


def beijing(*args) -> datetime:
    """A Beijing wall-clock time as an aware UTC instant."""
    return datetime(*args, tzinfo=timeutil.zone()).astimezone(UTC)


def window_at(now, rules=DEFAULT, calendar=None):
    return windows.window(rules=rules, calendar=calendar or workdays.WorkCalendar(), now=now)


@pytest.mark.parametrize(
    ("seated", "deadline", "reminder"),
    [
        # National Day 2025: 1-8 October off; Sunday 28 September and Saturday 11 October
        # are working days in lieu.
        (beijing(2025, 9, 30, 12, 0), beijing(2025, 10, 11, 18, 0), beijing(2025, 10, 10, 9, 0)),
        # The adjusted working Sunday counts: Thursday -> Friday, Sunday, Monday.
        (beijing(2025, 9, 25, 10, 0), beijing(2025, 9, 29, 18, 0), beijing(2025, 9, 28, 9, 0)),
        # Spring Festival 2026: 15-23 February off, Saturday 14 a working day.
        (beijing(2026, 2, 13, 15, 0), beijing(2026, 2, 25, 18, 0), beijing(2026, 2, 24, 9, 0)),
        # An ordinary week: Monday -> Thursday 18:00, reminded Wednesday 09:00.
        (beijing(2025, 11, 17, 10, 0), beijing(2025, 11, 20, 18, 0), beijing(2025, 11, 19, 9, 0)),
    ],
    ids=["national-day", "adjusted-sunday", "spring-festival", "ordinary-week"],
)
def test_the_deadline_is_18_00_on_the_third_working_day(seated, deadline, reminder):
    found = window_at(seated)
    assert (found.deadline, found.remind_at) == (deadline, reminder)


def test_an_uncovered_year_counts_monday_to_friday():
    assert workdays.officially_covered(2026) and not workdays.officially_covered(2027)
    # Thursday 7 January 2027 -> Friday 8, Monday 11, Tuesday 12.
    found = window_at(beijing(2027, 1, 7, 10, 0))
    assert found.deadline == beijing(2027, 1, 12, 18, 0)
    assert workdays.WorkCalendar().source(date(2027, 1, 8)) == "weekdays"


def test_an_override_beats_both_sources():
    calendar = workdays.WorkCalendar({date(2027, 1, 8): False, date(2025, 10, 4): True})
    assert window_at(beijing(2027, 1, 7, 10, 0), calendar=calendar).deadline == beijing(
        2027, 1, 13, 18, 0
    )
    # A holiday Saturday made a working day: 30 Sep -> 4 Oct, 9 Oct, 10 Oct.
    assert window_at(beijing(2025, 9, 30, 12, 0), calendar=calendar).deadline == beijing(
        2025, 10, 10, 18, 0
    )


def test_the_night_does_not_eat_into_the_window():
    # Seated Monday 23:00: the invitation waits until Tuesday 08:00, so Tuesday does not
    # count and the deadline is Friday, as for a seat taken on Tuesday morning.
    late = window_at(beijing(2025, 11, 17, 23, 0))
    assert late.opens == beijing(2025, 11, 18, 8, 0)
    assert late.deadline == beijing(2025, 11, 21, 18, 0)
    assert window_at(beijing(2025, 11, 17, 20, 59)).deadline == beijing(2025, 11, 20, 18, 0)
    # In the hours mode the 72 hours start at 08:00 too.
    hours = replace(DEFAULT, voting_workdays=0)
    assert window_at(beijing(2025, 11, 17, 3, 0), rules=hours).deadline == beijing(
        2025, 11, 20, 8, 0
    )


def test_a_reminder_not_after_the_invitation_is_dropped():
    one_day = replace(DEFAULT, voting_workdays=1)
    # Monday 10:00 -> Tuesday 18:00; the last working day before is Monday, 09:00 is past.
    assert window_at(beijing(2025, 11, 17, 10, 0), rules=one_day).remind_at is None


def test_an_appeal_drawn_before_national_day_is_due_after_the_holiday(session, pool, department):
    now = beijing(2025, 9, 30, 12, 0)
    appeal = create_appeal(
        session=session, data=factories.appeal_input(department=department.code),
        submitted_by="staff:test", rules=DEFAULT, now=now,
    )  # fmt: skip
    session.commit()
    seats = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).all()
    assert appeal.deadline == beijing(2025, 10, 11, 18, 0)
    assert {s.deadline for s in seats} == {appeal.deadline}
    assert {s.remind_at for s in seats} == {beijing(2025, 10, 10, 9, 0)}


def test_a_substitute_gets_a_working_day_window_of_its_own(session, pool, department):
    now = beijing(2025, 9, 30, 12, 0)
    timeutil.set_clock(lambda: now)
    appeal = create_appeal(
        session=session, data=factories.appeal_input(department=department.code),
        submitted_by="staff:test", rules=DEFAULT, now=now,
    )  # fmt: skip
    session.commit()
    expiry = appeal.deadline  # Saturday 11 October 18:00
    substitutes = deadlines.settle_expired(
        session=session, appeal_id=appeal.id, rules=DEFAULT, now=expiry
    )
    session.commit()
    # Seated Saturday 18:00 -> Monday 13, Tuesday 14, Wednesday 15 October.
    assert len(substitutes) == 5
    assert {s.deadline for s in substitutes} == {beijing(2025, 10, 15, 18, 0)}
    assert session.get(Appeal, appeal.id).deadline == beijing(2025, 10, 15, 18, 0)
    timeutil.set_clock(None)


def test_reminders_go_at_nine_on_the_last_working_day(session, pool, department):
    now = beijing(2025, 9, 30, 12, 0)
    create_appeal(
        session=session, data=factories.appeal_input(department=department.code),
        submitted_by="staff:test", rules=DEFAULT, now=now,
    )  # fmt: skip
    session.commit()
    early = beijing(2025, 10, 10, 8, 59)
    assert deadlines.queue_reminders(session=session, rules=DEFAULT, now=early) == []
    reminded = deadlines.queue_reminders(
        session=session, rules=DEFAULT, now=beijing(2025, 10, 10, 9, 0)
    )
    session.commit()
    assert len(reminded) == 5
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.REMINDER))
    assert len(rows.all()) == 5


def test_overrides_are_audited_in_the_membership_chain(session, now):
    workdays.set_override(session=session, day=date(2027, 1, 8), workday=False,
                          note="国务院办公厅通知", actor="admin:1", now=now)  # fmt: skip
    session.commit()
    assert workdays.load(session=session).is_workday(date(2027, 1, 8)) is False
    assert workdays.remove_override(session=session, day=date(2027, 1, 8), actor="admin:1",
                                    now=now + timedelta(minutes=1))  # fmt: skip
    assert not workdays.remove_override(session=session, day=date(2027, 1, 8), actor="admin:1",
                                        now=now)  # fmt: skip
    session.commit()
    calendar_kinds = (AuditKind.CALENDAR_OVERRIDE_SET, AuditKind.CALENDAR_OVERRIDE_REMOVED)
    events = session.exec(
        select(AuditEvent).where(col(AuditEvent.kind).in_(calendar_kinds)).order_by(AuditEvent.seq)
    ).all()
    assert [(e.chain, e.kind, e.appeal_id) for e in events] == [
        ("membership", AuditKind.CALENDAR_OVERRIDE_SET, None),
        ("membership", AuditKind.CALENDAR_OVERRIDE_REMOVED, None),
    ]
    assert '"2027-01-08"' in events[0].data and "国务院办公厅通知" in events[0].data
    assert verify_chain(session=session).ok
    assert workdays.load(session=session).is_workday(date(2027, 1, 8)) is True


def test_coverage_names_the_uncovered_years(session):
    covered = workdays.coverage(session=session, now=beijing(2025, 6, 1, 12, 0))
    assert covered.ok and covered.uncovered == ()
    december = workdays.coverage(session=session, now=beijing(2026, 12, 1, 12, 0))
    assert not december.ok and december.uncovered == (2027,)


def test_seats_keep_their_deadline_when_the_calendar_changes_later(session, pool, department):
    now = beijing(2027, 1, 7, 10, 0)
    appeal = create_appeal(
        session=session, data=factories.appeal_input(department=department.code),
        submitted_by="staff:test", rules=DEFAULT, now=now,
    )  # fmt: skip
    session.commit()
    workdays.set_override(session=session, day=date(2027, 1, 8), workday=False, note="",
                          actor="admin:1", now=now)  # fmt: skip
    session.commit()
    seats = session.exec(
        select(Assignment).where(Assignment.appeal_id == appeal.id,
                                 Assignment.state == AssignmentState.PENDING)
    ).all()  # fmt: skip
    assert {s.deadline for s in seats} == {beijing(2027, 1, 12, 18, 0)}
