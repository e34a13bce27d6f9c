"""What a panelist's visit records besides a vote: the first opening and the pledge.

Both are once-only times on the seat; neither changes the seat's state (``lifecycle`` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from ..enums import Actor, AuditKind
from ..models import Appeal, Assignment, Attachment
from ..record import audit
from .lifecycle import lock_appeal


def _stamp_once(
    *, session: Session, assignment: Assignment | SeatView, column, kind: AuditKind, now: datetime
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
    audit.record(
        session=session,
        kind=kind,
        actor=f"{Actor.PANELIST}:{assignment.panelist_id}",
        appeal_id=assignment.appeal_id,
        now=now,
        data={"assignment": assignment.id},
    )
    return True


def mark_opened(*, session: Session, assignment: Assignment | SeatView, now: datetime) -> bool:
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


def pledge_confirmed(*, session: Session, assignment: Assignment | SeatView) -> bool:
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


def confirm_pledge(
    *, session: Session, assignment: Assignment | SeatView, now: datetime
) -> bool:
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


@dataclass(frozen=True, slots=True)
class SeatView:
    """A seat as its link page reads it: read-only (the lifecycle writes seats)."""

    id: int
    appeal_id: int
    panelist_id: int
    state: str
    link_nonce: str
    deadline: datetime
    vote: str | None
    opinion: str | None
    voted_at: datetime | None
    seal: str | None
    first_opened_at: datetime | None
    pledge_confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class AppealView:
    """What a link page shows of the appeal."""

    id: int
    reference: str
    status: str
    citizen_request: str
    department_reply: str
    appeal_reason: str
    policy_basis: str
    repeat_calls: int


@dataclass(frozen=True, slots=True)
class FileView:
    public_id: str
    filename: str


@dataclass(frozen=True, slots=True)
class Visit:
    """What a link page shows: the seat, its appeal, the pledge, the appeal's attachments."""

    assignment: SeatView
    appeal: AppealView
    pledged: bool
    files: list[FileView]


def _columns(model, view) -> list:
    return [getattr(model, name) for name in view.__dataclass_fields__]


_SEAT = _columns(Assignment, SeatView)
_APPEAL = _columns(Appeal, AppealView)
_FILE = _columns(Attachment, FileView)
_earlier = aliased(Assignment)
# One statement for the whole page: the seat joined to its appeal and the appeal's
# attachments, with the pledge as an EXISTS on the partial index
# ix_assignment_pledged_panelist. Columns, not entities, on a connection: the ORM's unit of
# work and identity map cost more than the query on this path (about 150 us of a 1.8 ms
# page, BENCHMARKS.md), and nothing here is written back.
_VISIT = (
    select(
        *_SEAT,
        *_APPEAL,
        sa.exists()
        .where(
            _earlier.panelist_id == Assignment.panelist_id,
            col(_earlier.pledge_confirmed_at).is_not(None),
        )
        .label("pledged"),
        *_FILE,
    )
    .join(Appeal, col(Appeal.id) == col(Assignment.appeal_id))
    .outerjoin(Attachment, col(Attachment.appeal_id) == col(Appeal.id))
    .where(col(Assignment.id) == sa.bindparam("assignment_id"))
    .order_by(col(Attachment.id))
)
_APPEAL_AT, _PLEDGED_AT = len(_SEAT), len(_SEAT) + len(_APPEAL)


def visit(*, connection: sa.Connection, assignment_id: int) -> Visit | None:
    """The seat with everything its link page shows, in one round trip; None if unknown.

    ``connection``: a session's (a POST reads in the transaction that will write) or one
    that only reads (db.reading: a page view)."""
    rows = connection.execute(_VISIT, {"assignment_id": assignment_id}).all()
    if not rows:
        return None
    first = rows[0]
    files = [FileView(*row[_PLEDGED_AT + 1 :]) for row in rows if row[-1] is not None]
    return Visit(
        SeatView(*first[:_APPEAL_AT]),
        AppealView(*first[_APPEAL_AT:_PLEDGED_AT]),
        bool(first[_PLEDGED_AT]),
        files,
    )
