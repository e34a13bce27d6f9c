"""What a panelist's visit records besides a vote: the first opening and the pledge.

Both are once-only times on the seat; neither changes the seat's state (``lifecycle`` does).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..enums import Actor, AuditKind
from ..models import Assignment
from ..record import audit
from .lifecycle import lock_appeal


def _stamp_once(
    *, session: Session, assignment: Assignment, column, kind: AuditKind, now: datetime
) -> bool:
    """Set a once-only time on the seat and audit it; False if it was already set."""
    lock_appeal(session, assignment.appeal_id)  # the lifecycle's order: appeal, seat, audit
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
        actor=f"{Actor.PANELIST}:{assignment.panelist_id}",
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
