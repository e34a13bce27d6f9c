"""What a panelist does on their link besides voting: open it, take the pledge, recuse."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from . import audit
from .enums import AssignmentState, AuditKind
from .models import Assignment
from .replacement import vacate_and_replace
from .rules import PanelRules
from .voting import VoteRefused, lock_open_seat

RECUSAL_NOTE_MAX = 500


class VisitRefused(Exception):
    """The step is not possible on this assignment; ``reason`` says why in one word."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def _actor(assignment: Assignment) -> str:
    return f"panelist:{assignment.panelist_id}"


def _stamp_once(
    *, session: Session, assignment: Assignment, column, kind: AuditKind, now: datetime
) -> bool:
    """Set a once-only time on the assignment and audit it; False if it was already set."""
    audit.lock_chain(session)  # before the row lock: see audit.lock_chain
    # A conditional update, so two requests arriving together record one event.
    result = session.execute(
        sa.update(Assignment)
        .where(col(Assignment.id) == assignment.id, col(column).is_(None))
        .values({column.key: now})
    )
    if result.rowcount != 1:
        return False
    session.refresh(assignment)
    audit.record(
        session=session,
        kind=kind,
        actor=_actor(assignment),
        appeal_id=assignment.appeal_id,
        now=now,
        data={"assignment": assignment.id},
    )
    return True


def mark_opened(*, session: Session, assignment: Assignment, now: datetime) -> bool:
    """Record the first time the link was opened; True if this was the first time."""
    if assignment.first_opened_at is not None:
        return False  # the time is never cleared: spare every later visit a write
    return _stamp_once(
        session=session,
        assignment=assignment,
        column=Assignment.first_opened_at,
        kind=AuditKind.LINK_OPENED,
        now=now,
    )


def pledge_confirmed(*, session: Session, assignment: Assignment) -> bool:
    """Whether this panelist has confirmed the confidentiality pledge on any assignment."""
    if assignment.pledge_confirmed_at is not None:
        return True
    found = session.exec(
        select(Assignment.id)
        .where(
            Assignment.panelist_id == assignment.panelist_id,
            col(Assignment.pledge_confirmed_at).is_not(None),
        )
        .limit(1)
    ).first()
    return found is not None


def confirm_pledge(*, session: Session, assignment: Assignment, now: datetime) -> bool:
    """Record the pledge on this assignment; True if it was recorded now, not before."""
    if pledge_confirmed(session=session, assignment=assignment):
        return False
    return _stamp_once(
        session=session,
        assignment=assignment,
        column=Assignment.pledge_confirmed_at,
        kind=AuditKind.PLEDGE_CONFIRMED,
        now=now,
    )


def recuse(
    *,
    session: Session,
    assignment: Assignment,
    note: str | None,
    rules: PanelRules,
    now: datetime,
) -> Assignment | None:
    """Close the panelist's seat at their request and seat the next substitute.

    Returns the substitute's assignment (None when the appeal stalled). Raises VisitRefused.
    """
    text = (note or "").strip() or None
    if text is not None and len(text) > RECUSAL_NOTE_MAX:
        raise VisitRefused(
            "note_length", f"the reason must be at most {RECUSAL_NOTE_MAX} characters"
        )
    # The same lock and checks as a vote, so a recusal and a vote never cross.
    try:
        lock_open_seat(session=session, assignment=assignment, now=now)
    except VoteRefused as exc:
        raise VisitRefused(exc.reason, str(exc)) from None
    return vacate_and_replace(
        session=session,
        assignment=assignment,
        state=AssignmentState.RECUSED,
        reason="recused",
        actor=_actor(assignment),
        rules=rules,
        now=now,
        note=text,
    )
