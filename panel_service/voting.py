"""Votes and the 3-of-5 decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from . import audit, webhooks
from .enums import AppealStatus, AssignmentState, AuditKind, Decision, VoteChoice
from .models import Appeal, Assignment
from .rules import PanelRules

OPINION_MIN = 10
OPINION_MAX = 2000


class VoteRefused(Exception):
    """The vote cannot be recorded; ``reason`` says why in one word."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Tally:
    agree: int
    disagree: int

    @property
    def received(self) -> int:
        return self.agree + self.disagree


def clean_opinion(opinion: str | None) -> str:
    """The opinion as stored, or VoteRefused when its length is out of bounds."""
    text = (opinion or "").strip()
    if not OPINION_MIN <= len(text) <= OPINION_MAX:
        raise VoteRefused(
            "opinion_length", f"the opinion must be {OPINION_MIN} to {OPINION_MAX} characters"
        )
    return text


def count_votes(*, session: Session, appeal_id: int) -> Tally:
    """The votes cast so far (for the decision and for staff, never for panelists)."""
    votes = session.exec(
        select(Assignment.vote).where(
            Assignment.appeal_id == appeal_id, Assignment.state == AssignmentState.VOTED
        )
    ).all()
    return Tally(
        agree=sum(v == VoteChoice.AGREE for v in votes),
        disagree=sum(v == VoteChoice.DISAGREE for v in votes),
    )


def published_tally(*, session: Session, appeal: Appeal) -> Tally | None:
    """The tally anyone outside the count may see: none until the appeal is decided."""
    if appeal.status != AppealStatus.DECIDED:
        return None
    return count_votes(session=session, appeal_id=appeal.id)


def lock_open_seat(*, session: Session, assignment: Assignment, now: datetime) -> Appeal:
    """Lock the seat's appeal and check the seat may still act; raises VoteRefused.

    Votes and recusals lock the appeal first, so they run one after the other: the third
    and fourth votes arriving together cannot both take the decision. FOR NO KEY UPDATE
    still serializes with every other lock on the appeal, but not with inserts whose
    foreign key points at it (audit events under the chain lock), which FOR UPDATE would
    block and so deadlock against a transaction holding the chain.
    """
    appeal = session.get(
        Appeal, assignment.appeal_id, with_for_update={"key_share": True}, populate_existing=True
    )
    session.refresh(assignment)
    if assignment.state == AssignmentState.VOTED:
        raise VoteRefused("already_voted", "this panelist has already voted")
    if appeal.status == AppealStatus.DECIDED:
        raise VoteRefused("decided", "the panel has already decided this appeal")
    if appeal.status != AppealStatus.OPEN or assignment.state != AssignmentState.PENDING:
        raise VoteRefused("closed", "this assignment is no longer open")
    if now >= assignment.deadline:
        raise VoteRefused("expired", "the voting deadline has passed")
    return appeal


def record_vote(
    *,
    session: Session,
    assignment: Assignment,
    vote: VoteChoice | str,
    opinion: str | None,
    rules: PanelRules,
    now: datetime,
) -> Decision | None:
    """Record one panelist's vote and decide the appeal once the majority is certain.

    Returns the decision this vote completed, if any. Raises VoteRefused.
    """
    try:
        choice = VoteChoice(vote)
    except ValueError:
        raise VoteRefused("invalid_vote", "the vote must be agree or disagree") from None
    text = clean_opinion(opinion)
    appeal = lock_open_seat(session=session, assignment=assignment, now=now)

    assignment.vote = choice
    assignment.opinion = text
    assignment.state = AssignmentState.VOTED
    assignment.voted_at = now
    session.add(assignment)
    session.flush()
    audit.record(
        session=session,
        kind=AuditKind.VOTE_RECORDED,
        actor=f"panelist:{assignment.panelist_id}",
        appeal_id=appeal.id,
        now=now,
        # The choice stays out of the audit until the decision: the trail is visible to staff.
        data={"assignment": assignment.id},
    )
    return _decide_if_certain(session=session, appeal=appeal, rules=rules, now=now)


def _decide_if_certain(
    *, session: Session, appeal: Appeal, rules: PanelRules, now: datetime
) -> Decision | None:
    tally = count_votes(session=session, appeal_id=appeal.id)
    if tally.agree >= rules.majority:
        decision = Decision.UPHELD
    elif tally.disagree >= rules.majority:
        decision = Decision.DISMISSED
    else:
        return None
    appeal.status = AppealStatus.DECIDED
    appeal.decision = decision
    appeal.decided_at = now
    session.add(appeal)
    closed = []
    for other in session.exec(
        select(Assignment).where(
            Assignment.appeal_id == appeal.id, Assignment.state == AssignmentState.PENDING
        )
    ).all():
        # The link stays valid so it can say "the panel has decided"; the state refuses votes.
        other.state = AssignmentState.CLOSED
        other.closed_at = now
        session.add(other)
        closed.append(other.id)
    votes = session.exec(
        select(Assignment.id, Assignment.vote).where(
            Assignment.appeal_id == appeal.id, Assignment.state == AssignmentState.VOTED
        )
    ).all()
    audit.record(
        session=session,
        kind=AuditKind.DECISION,
        actor="system",
        appeal_id=appeal.id,
        now=now,
        data={
            "decision": str(decision),
            "agree": tally.agree,
            "disagree": tally.disagree,
            "votes": {str(aid): str(v) for aid, v in votes},
            "closed": closed,
        },
    )
    webhooks.queue_outcome(session=session, appeal=appeal, now=now)
    session.flush()
    return decision
