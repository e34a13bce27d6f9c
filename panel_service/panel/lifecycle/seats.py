"""Giving up seats: recusal, vacating (and the walk to a substitute), expired deadlines,
and re-checking the seats of members who changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from ...enums import (
    AppealStatus,
    AssignmentState,
    AuditKind,
    MessageKind,
    Refusal,
    SeatReason,
    StallReason,
)
from ...messaging import outbox
from ...models import Appeal, Assignment, Panelist
from ...record import audit
from ...record.audit import digest
from ...refusals import Refused
from ...rules import PanelRules
from ...text import clean_text
from ..draw import next_substitute
from ..seating import SEAT_STATES, holder_problem, is_government
from ..windows import seat_window
from .locks import (
    LIVE,
    SYSTEM,
    Locked,
    SeatChange,
    actor_of,
    end_seat,
    lock,
    new_seat,
    refuse_unless_open,
    stall,
)

RECUSAL_NOTE_MAX = 500


# -- giving up a seat ----------------------------------------------------------------------------


def recuse(
    *, session: Session, assignment: Assignment, note: str | None, rules: PanelRules, now: datetime
) -> SeatChange:
    """Close the panelist's seat at their request and seat the next candidate (or stall)."""
    text = clean_text(note or "") or None
    if text is not None and len(text) > RECUSAL_NOTE_MAX:
        raise Refused(Refusal.TOO_LONG, max=RECUSAL_NOTE_MAX)
    locked = lock(session, assignment.appeal_id)
    seat = locked.seat(assignment.id)
    refuse_unless_open(locked, seat, now)
    seat.recusal_reason = text
    audit.record(
        session=session,
        kind=AuditKind.RECUSAL,
        actor=actor_of(seat),
        appeal_id=seat.appeal_id,
        now=now,
        # The note stays on the seat (staff read it); the public record holds its digest.
        data={"assignment": seat.id, "panelist": seat.panelist_id, "note_sha256": digest(text)},
    )
    return _vacate(session, locked, seat, SeatReason.RECUSED, actor_of(seat), rules, now)


def vacate_seat(
    *,
    session: Session,
    assignment: Assignment,
    reason: SeatReason,
    actor: str,
    rules: PanelRules,
    now: datetime,
) -> SeatChange | None:
    """Give up a pending seat for ``reason``; None if it is no longer pending (a vote or
    the decision got there first, under the same lock)."""
    locked = lock(session, assignment.appeal_id)
    seat = locked.seat(assignment.id)
    if seat.state != AssignmentState.PENDING or locked.appeal.status not in LIVE:
        return None
    return _vacate(session, locked, seat, reason, actor, rules, now)


def _vacate(
    session: Session,
    locked: Locked,
    seat: Assignment,
    reason: SeatReason,
    actor: str,
    rules: PanelRules,
    now: datetime,
) -> SeatChange:
    appeal = locked.appeal
    if appeal.status == AppealStatus.STALLED:
        # Nobody is drawn for a stalled appeal: the seat closes, the walk stays where it is.
        end_seat(session, seat, AssignmentState.CLOSED, reason, now=now, actor=actor)
        audit.record(
            session=session,
            kind=AuditKind.SEAT_CLOSED,
            actor=actor,
            appeal_id=appeal.id,
            now=now,
            data={"assignment": seat.id, "panelist": seat.panelist_id, "reason": str(reason)},
        )
        return SeatChange(seat, "closed")
    state = AssignmentState.RECUSED if reason == SeatReason.RECUSED else AssignmentState.REPLACED
    end_seat(session, seat, state, reason, now=now, actor=actor)
    walk = next_substitute(session=session, appeal=appeal, seats=locked.seats, rules=rules, now=now)
    appeal.draw_position = walk.end
    session.add(appeal)
    step = {
        "vacated": seat.id,
        "vacated_panelist": seat.panelist_id,
        "reason": str(reason),
        "from_position": walk.start,
        "to_position": walk.end,
        "skipped": [[pid, why] for pid, why in walk.skipped],
    }
    if walk.substitute is None:
        stall(session, locked, StallReason.NO_SUBSTITUTE, now=now, walk=step)
        return SeatChange(seat, "stalled")
    round_ = max(s.draw_round for s in locked.seats) + 1
    # A substitute gets a window of their own, and at least the panel's current deadline.
    own = seat_window(session=session, rules=rules, now=now, at_least=appeal.deadline)
    substitute = Assignment(
        **new_seat(appeal, walk.substitute.id, round_=round_, window=own, now=now)._asdict()
    )
    appeal.deadline = own.deadline
    session.add(substitute)
    session.flush()
    locked.seats.append(substitute)
    audit.record(
        session=session,
        kind=AuditKind.REPLACEMENT,
        actor=actor,
        appeal_id=appeal.id,
        now=now,
        data={**step, "picked": walk.substitute.id, "assignment": substitute.id, "round": round_},
    )
    outbox.queue_for_seats(
        session=session, assignments=[substitute], kind=MessageKind.REPLACEMENT_INVITATION, now=now
    )
    return SeatChange(seat, "replaced", substitute)


# -- deadlines -----------------------------------------------------------------------------------


def expire_seats(
    *, session: Session, appeal_id: int, rules: PanelRules, now: datetime
) -> list[Assignment]:
    """Replace the appeal's seats whose deadline passed without a vote, or stall it after
    ``rules.max_replacement_rounds`` rounds. Returns the substitutes' seats."""
    locked = lock(session, appeal_id)
    if locked.appeal.status != AppealStatus.OPEN:
        return []
    expired = [s for s in locked.pending() if s.deadline <= now]
    if not expired:
        return []
    # A round is one deadline that passed with non-responders on the appeal.
    rounds = {s.deadline for s in locked.seats if s.closed_reason == SeatReason.NO_RESPONSE}
    if len(rounds) >= rules.max_replacement_rounds:
        for seat in expired:
            end_seat(session, seat, AssignmentState.CLOSED, SeatReason.NO_RESPONSE, now=now,
                 actor=SYSTEM)  # fmt: skip
        stall(session, locked, StallReason.MAX_REPLACEMENT_ROUNDS, now=now,
               expired=[s.id for s in expired])  # fmt: skip
        return []
    changes = [
        _vacate(session, locked, seat, SeatReason.NO_RESPONSE, SYSTEM, rules, now)
        for seat in expired
    ]
    return [c.substitute for c in changes if c.substitute is not None]


# -- keeping seated panels valid after a member changes ------------------------------------------


def recheck_members(
    *,
    session: Session,
    members: dict[int, SeatReason | None],
    actor: str,
    rules: PanelRules,
    now: datetime,
) -> list[SeatChange]:
    """Re-check every live appeal on which one of ``members`` holds a pending seat.

    Call it after updating the members' rows (step 1 of the lock order). ``members`` maps
    each member to the reason recorded if they must give up their seats (None: the reason
    the check finds). Appeals are locked in ascending id order.
    """
    appeal_ids = session.exec(
        select(Assignment.appeal_id)
        .join(Appeal, col(Appeal.id) == Assignment.appeal_id)
        .where(
            col(Assignment.panelist_id).in_(list(members)),
            Assignment.state == AssignmentState.PENDING,
            col(Appeal.status).in_(LIVE),
        )
        .distinct()
        .order_by(Assignment.appeal_id)
    ).all()
    changes: list[SeatChange] = []
    for appeal_id in appeal_ids:
        changes += recheck_seats(
            session=session, appeal_id=appeal_id, actor=actor, rules=rules, now=now,
            because=members,
        )  # fmt: skip
    return changes


def recheck_seats(
    *,
    session: Session,
    appeal_id: int,
    actor: str,
    rules: PanelRules,
    now: datetime,
    because: dict[int, SeatReason | None] | None = None,
) -> list[SeatChange]:
    """Give up each pending seat whose holder may no longer sit on the appeal.

    A holder who is inactive, has no pledge, a failing number or a conflict gives up the
    seat; so do pending government seats beyond the quota (the changed member's first, then
    the newest). A vote already cast stands. On a stalled appeal the seats just close.
    """
    because = because or {}
    locked = lock(session, appeal_id)
    if locked.appeal.status not in LIVE:
        return []
    holders = _holders(session, locked.seats)
    department_id = locked.appeal.department_id
    changes = []
    for seat in locked.pending():
        problem = holder_problem(holders[seat.panelist_id], department_id=department_id)
        if problem is not None:
            reason = because.get(seat.panelist_id) or problem
            changes.append(_vacate(session, locked, seat, reason, actor, rules, now))
    while True:
        holders = _holders(session, locked.seats)
        seated = [s for s in locked.seats if s.state in SEAT_STATES]
        government = [s for s in seated if is_government(holders[s.panelist_id])]
        pending = [s for s in government if s.state == AssignmentState.PENDING]
        if len(government) <= rules.government_quota or not pending:
            return changes
        pending.sort(key=lambda s: (s.panelist_id not in because, -s.id))
        changes.append(_vacate(session, locked, pending[0], SeatReason.QUOTA, actor, rules, now))


def _holders(session: Session, seats: Iterable[Assignment]) -> dict[int, Panelist]:
    ids = {s.panelist_id for s in seats}
    found = session.exec(
        select(Panelist)
        .where(col(Panelist.id).in_(ids))
        .execution_options(populate_existing=True)  # members change in other transactions
    )
    return {p.id: p for p in found}
