"""Locking an appeal and its seats, and the small steps every transition shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...enums import Actor, AppealStatus, AssignmentState, AuditKind, SeatReason, StallReason
from ...messaging import webhooks
from ...models import Appeal, Assignment, AuditChain
from ...record import audit, chains
from ...refusals import Refused
from ..draw import new_nonce
from ..seating import refusal
from ..windows import Window

SYSTEM = Actor.SYSTEM
LIVE = (AppealStatus.OPEN, AppealStatus.STALLED)  # appeals whose seats may still change


@dataclass
class Locked:
    """An appeal and all of its seats, locked and freshly read."""

    appeal: Appeal
    seats: list[Assignment]

    def seat(self, seat_id: int) -> Assignment:
        return next(s for s in self.seats if s.id == seat_id)

    def pending(self) -> list[Assignment]:
        return [s for s in self.seats if s.state == AssignmentState.PENDING]


@dataclass(frozen=True)
class SeatChange:
    """What giving up one seat did: ``replaced`` (see ``substitute``), ``stalled`` the
    appeal, or ``closed`` it without a walk (the appeal was stalled already)."""

    seat: Assignment
    outcome: str
    substitute: Assignment | None = None


def lock_appeal(session: Session, appeal_id: int) -> Appeal:
    """Lock the appeal's row and re-read it (step 2 of the lock order)."""
    return session.get(
        Appeal, appeal_id, with_for_update={"key_share": True}, populate_existing=True
    )


# The seats, locked, with their appeal chain's head beside them: it is read under the
# appeal's lock, which keeps the chain still until commit, so the transaction's audit
# appends need no statement of their own to find it (record/chains.py, ``adopt``). Not
# one statement with the appeal's lock: a statement that waits for the appeal's row keeps
# the snapshot it started with, and would miss a seat that the lock's holder added.
_SEATS = (
    select(Assignment, AuditChain)
    .outerjoin(AuditChain, col(AuditChain.name) == sa.bindparam("chain"))
    .where(col(Assignment.appeal_id) == sa.bindparam("appeal_id"))
    .order_by(col(Assignment.id))
    .with_for_update(key_share=True, of=Assignment)
    .execution_options(populate_existing=True)
)


def lock(session: Session, appeal_id: int) -> Locked:
    """Lock the appeal, then its seats, re-reading both (steps 2 and 3)."""
    appeal = lock_appeal(session, appeal_id)
    rows = session.execute(
        _SEATS, {"appeal_id": appeal_id, "chain": audit.chain_of(appeal_id)}
    ).all()
    if rows and rows[0][1] is not None:
        chains.adopt(session, rows[0][1])
    return Locked(appeal, [seat for seat, _head in rows])


def refuse_unless_open(locked: Locked, seat: Assignment, now: datetime) -> None:
    code = refusal(locked.appeal, seat, now)
    if code is not None:
        raise Refused(code)


def actor_of(seat: Assignment) -> str:
    return f"{Actor.PANELIST}:{seat.panelist_id}"


class NewSeat(NamedTuple):
    """A seat not stored yet: the columns of its row. A new panel's are stored together
    (``insert_seats``), a substitute's as ``Assignment(**seat._asdict())``."""

    appeal_id: int
    panelist_id: int
    draw_round: int
    link_nonce: str
    deadline: datetime
    remind_at: datetime | None
    created_at: datetime
    state: AssignmentState = AssignmentState.PENDING


def new_seat(appeal: Appeal, panelist_id: int, *, round_: int, window: Window, now) -> NewSeat:
    """A pending seat with its own deadline and reminder time (panel/windows.py)."""
    return NewSeat(
        appeal_id=appeal.id,
        panelist_id=panelist_id,
        draw_round=round_,
        link_nonce=new_nonce(),
        deadline=window.deadline,
        remind_at=window.remind_at,
        created_at=now,
    )


# The ORM's bulk INSERT ... RETURNING, not Assignment objects, add() and a flush: no unit
# of work for a new panel, and eight columns of five seats stay under the 50 parameters
# past which psycopg parses a statement afresh every time (the flush wrote all 18: 90).
_INSERT_SEATS = sa.insert(Assignment).returning(Assignment, sort_by_parameter_order=True)


def insert_seats(session: Session, seats: list[NewSeat]) -> list[Assignment]:
    """Store a new panel's seats in one INSERT; returns them as stored, in order (their ids
    ascending with it)."""
    session.flush()  # their appeal's row first
    return list(session.scalars(_INSERT_SEATS, [seat._asdict() for seat in seats]))


def end_seat(
    session: Session,
    seat: Assignment,
    state: AssignmentState,
    reason: SeatReason,
    *,
    now: datetime,
    actor: str | None = None,
) -> None:
    """Take the seat out of the panel; with an ``actor``, its link is revoked as well."""
    seat.state, seat.closed_at, seat.closed_reason = state, now, reason
    session.add(seat)
    if actor is not None:
        seat.link_nonce = new_nonce()
        audit.record(
            session=session,
            kind=AuditKind.LINK_REVOKED,
            actor=actor,
            appeal_id=seat.appeal_id,
            now=now,
            data={"assignment": seat.id, "panelist": seat.panelist_id, "reason": str(reason)},
        )


def stall(
    session: Session, locked: Locked, reason: StallReason, *, now: datetime, **details
) -> None:
    appeal = locked.appeal
    appeal.status = AppealStatus.STALLED
    session.add(appeal)
    audit.record(
        session=session,
        kind=AuditKind.STALLED,
        actor=SYSTEM,
        appeal_id=appeal.id,
        now=now,
        data={"reason": str(reason), **details},
    )
    webhooks.queue_outcome(session=session, appeal=appeal, now=now, seats=locked.seats)


