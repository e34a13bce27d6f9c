"""Votes (sealed), the decision that opens the seals, and withdrawal."""

from __future__ import annotations

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
from ...record import audit, seals
from ...refusals import Invalid, Refused
from ...rules import PanelRules
from ...text import clean_text, visible_length
from .locks import LIVE, SYSTEM, Locked, actor_of, end_seat, lock, refuse_unless_open

OPINION_MIN, OPINION_MAX = 10, 2000


# -- votes and the decision ----------------------------------------------------------------------


def clean_opinion(opinion: str | None) -> str:
    """The opinion as stored, or Refused(OPINION_LENGTH): at least OPINION_MIN characters
    a reader sees (ten zero-width spaces are not an opinion), at most OPINION_MAX in all."""
    text = clean_text(opinion or "")
    if visible_length(text) < OPINION_MIN or len(text) > OPINION_MAX:
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
    seat.seal_salt, seat.seal = seals.seal_vote(
        reference=locked.appeal.reference, assignment=seat.id, vote=str(choice), opinion=text
    )
    seat.state = AssignmentState.VOTED
    session.add(seat)
    audit.record(
        session=session,
        kind=AuditKind.VOTE_RECORDED,
        actor=actor_of(seat),
        appeal_id=locked.appeal.id,
        now=now,
        # The seal, not the choice: the vote is opened only by the decision.
        data={"assignment": seat.id, "seal": seat.seal},
    )
    return _decide_if_certain(session=session, locked=locked, rules=rules, now=now)


def _decide_if_certain(
    *, session: Session, locked: Locked, rules: PanelRules, now: datetime
) -> Decision | None:
    voted = [s for s in locked.seats if s.state == AssignmentState.VOTED]
    votes = {s.id: s.vote for s in voted}
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
            # Every seal opened: anyone can check each opens to the vote that was counted.
            "opened": [
                {
                    "assignment": s.id,
                    "vote": str(s.vote),
                    "opinion_sha256": seals.opinion_digest(s.opinion or ""),
                    "salt": s.seal_salt,
                }
                for s in voted
            ],
        },
    )
    webhooks.queue_outcome(session=session, appeal=appeal, now=now, seats=locked.seats)
    return decision


# -- withdrawal ----------------------------------------------------------------------------------


def withdraw_appeal(
    *, session: Session, appeal: Appeal, reason: str, actor: str, now: datetime
) -> list[Assignment]:
    """Withdraw an open or stalled appeal; revoke pending links and tell those panelists."""
    reason = clean_text(reason or "")
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
        # The reason stays on the appeal (staff read it); the public record holds its digest.
        data={"reason_sha256": audit.digest(reason), "closed": [s.id for s in pending]},
    )
    outbox.queue_for_seats(
        session=session, assignments=pending, kind=MessageKind.WITHDRAWN_NOTICE, now=now
    )
    webhooks.queue_outcome(session=session, appeal=locked.appeal, now=now, seats=locked.seats)
    return pending


