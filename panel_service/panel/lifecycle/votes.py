"""The draw of a new panel, the votes and the decision, and withdrawal."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlmodel import Session

from ...enums import (
    AppealStatus,
    AssignmentState,
    AuditKind,
    Decision,
    MessageKind,
    Refusal,
    SeatReason,
    VoteChoice,
)
from ...messaging import outbox, webhooks
from ...models import Appeal, Assignment
from ...record import audit
from ...refusals import Invalid, Refused
from ...rules import PanelRules
from ..draw import NotEnoughPanelists, select_panel
from ..seating import eligible_panelists
from ..windows import seat_window
from .locks import LIVE, SYSTEM, Locked, actor_of, end_seat, lock, new_seat, refuse_unless_open

OPINION_MIN, OPINION_MAX = 10, 2000


# -- the draw ------------------------------------------------------------------------------------


def draw_panel(
    *, session: Session, appeal: Appeal, rules: PanelRules, now: datetime, seed: bytes | None = None
) -> list[Assignment]:
    """Seat the first panel of a new appeal and queue its invitations.

    Raises NotEnoughPanelists (the caller rolls back, so nothing is stored).
    """
    pool = eligible_panelists(session=session, department_id=appeal.department_id, on=now)
    pairs = [(p.id, str(p.category)) for p in pool]
    seed = seed if seed is not None else secrets.token_bytes(32)
    selection = select_panel(
        seed, pairs, size=rules.panel_size, government_quota=rules.government_quota
    )
    if len(selection.picked) < rules.panel_size:
        raise NotEnoughPanelists(len(selection.picked), rules.panel_size)
    appeal.draw_seed = seed.hex()
    appeal.draw_pool = ",".join(str(pid) for pid, _ in pairs)
    appeal.draw_position = selection.position
    window = seat_window(session=session, rules=rules, now=now)
    appeal.deadline = max(appeal.deadline, window.deadline)
    seats = [new_seat(appeal, pid, round_=0, window=window, now=now) for pid in selection.picked]
    session.add(appeal)
    session.add_all(seats)
    session.flush()
    audit.record(
        session=session,
        kind=AuditKind.PANEL_DRAWN,
        actor=SYSTEM,
        appeal_id=appeal.id,
        now=now,
        data={
            "seed": seed.hex(),
            "pool": [[pid, cat] for pid, cat in pairs],
            "panel_size": rules.panel_size,
            "government_quota": rules.government_quota,
            "picked": selection.picked,
            "skipped": [[pid, str(why)] for pid, why in selection.skipped],
            "position": selection.position,
        },
    )
    outbox.queue_for_seats(session=session, assignments=seats, kind=MessageKind.INVITATION, now=now)
    return seats


# -- votes and the decision ----------------------------------------------------------------------


def clean_opinion(opinion: str | None) -> str:
    """The opinion as stored, or Refused(OPINION_LENGTH)."""
    text = (opinion or "").strip()
    if not OPINION_MIN <= len(text) <= OPINION_MAX:
        raise Refused(Refusal.OPINION_LENGTH, min=OPINION_MIN, max=OPINION_MAX)
    return text


def record_vote(
    *,
    session: Session,
    assignment: Assignment,
    vote: VoteChoice | str,
    opinion: str | None,
    rules: PanelRules,
    now: datetime,
) -> Decision | None:
    """Record one panelist's vote; decide the appeal once the majority is certain.

    Returns the decision this vote completed, if any. Raises Refused.
    """
    try:
        choice = VoteChoice(vote)
    except ValueError:
        raise Refused(Refusal.INVALID_VOTE) from None
    text = clean_opinion(opinion)
    locked = lock(session, assignment.appeal_id)
    seat = locked.seat(assignment.id)
    refuse_unless_open(locked, seat, now)
    seat.vote, seat.opinion, seat.voted_at = choice, text, now
    seat.state = AssignmentState.VOTED
    session.add(seat)
    audit.record(
        session=session,
        kind=AuditKind.VOTE_RECORDED,
        actor=actor_of(seat),
        appeal_id=locked.appeal.id,
        now=now,
        # The choice stays out of the audit until the decision: the trail is visible to staff.
        data={"assignment": seat.id},
    )
    return _decide_if_certain(session=session, locked=locked, rules=rules, now=now)


def _decide_if_certain(
    *, session: Session, locked: Locked, rules: PanelRules, now: datetime
) -> Decision | None:
    votes = {s.id: s.vote for s in locked.seats if s.state == AssignmentState.VOTED}
    agree = sum(v == VoteChoice.AGREE for v in votes.values())
    disagree = len(votes) - agree
    if agree >= rules.majority:
        decision = Decision.UPHELD
    elif disagree >= rules.majority:
        decision = Decision.DISMISSED
    else:
        return None
    appeal = locked.appeal
    appeal.status, appeal.decision, appeal.decided_at = AppealStatus.DECIDED, decision, now
    session.add(appeal)
    closed = locked.pending()
    for seat in closed:
        # The link stays valid so that it can say "the panel has decided".
        end_seat(session, seat, AssignmentState.CLOSED, SeatReason.DECIDED, now=now)
    audit.record(
        session=session,
        kind=AuditKind.DECISION,
        actor=SYSTEM,
        appeal_id=appeal.id,
        now=now,
        data={
            "decision": str(decision),
            "agree": agree,
            "disagree": disagree,
            "votes": {str(sid): str(v) for sid, v in votes.items()},
            "closed": [s.id for s in closed],
        },
    )
    webhooks.queue_outcome(session=session, appeal=appeal, now=now)
    return decision


# -- withdrawal ----------------------------------------------------------------------------------


def withdraw_appeal(
    *, session: Session, appeal: Appeal, reason: str, actor: str, now: datetime
) -> list[Assignment]:
    """Withdraw an open or stalled appeal; revoke pending links and tell those panelists."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": Refusal.REQUIRED})
    locked = lock(session, appeal.id)
    if locked.appeal.status not in LIVE:
        raise Refused(Refusal.NOT_WITHDRAWABLE)
    locked.appeal.status, locked.appeal.withdrawn_reason = AppealStatus.WITHDRAWN, reason
    session.add(locked.appeal)
    pending = locked.pending()
    for seat in pending:
        end_seat(session, seat, AssignmentState.CLOSED, SeatReason.WITHDRAWN, now=now, actor=actor)
    audit.record(
        session=session,
        kind=AuditKind.WITHDRAWAL,
        actor=actor,
        appeal_id=appeal.id,
        now=now,
        data={"reason": reason, "closed": [s.id for s in pending]},
    )
    outbox.queue_for_seats(
        session=session, assignments=pending, kind=MessageKind.WITHDRAWN_NOTICE, now=now
    )
    webhooks.queue_outcome(session=session, appeal=locked.appeal, now=now)
    return pending


