"""Vacating a seat (recusal, non-response, bad number, retirement) and filling it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, func, select

from . import audit, outbox, webhooks
from .draw import new_nonce, next_substitute
from .enums import AppealStatus, AssignmentState, AuditKind, MessageKind
from .models import Appeal, Assignment
from .rules import PanelRules


class SeatNotVacatable(Exception):
    """Only a pending seat on an open appeal can be vacated."""


def revoke_link(
    *, session: Session, assignment: Assignment, reason: str, actor: str, now: datetime
) -> None:
    """Invalidate the assignment's SMS link by changing its nonce."""
    assignment.link_nonce = new_nonce()
    session.add(assignment)
    audit.record(
        session=session,
        kind=AuditKind.LINK_REVOKED,
        actor=actor,
        appeal_id=assignment.appeal_id,
        now=now,
        data={"assignment": assignment.id, "panelist": assignment.panelist_id, "reason": reason},
    )


def vacate_and_replace(
    *,
    session: Session,
    assignment: Assignment,
    state: AssignmentState,
    reason: str,
    actor: str,
    rules: PanelRules,
    now: datetime,
    note: str | None = None,
) -> Assignment | None:
    """Free a pending seat and seat (and invite) the next substitute; stall if none is left.

    Returns the new assignment, or None when the appeal was stalled.
    """
    appeal = session.get(Appeal, assignment.appeal_id, with_for_update={"key_share": True})
    session.refresh(assignment, with_for_update=True)
    if appeal.status != AppealStatus.OPEN or assignment.state != AssignmentState.PENDING:
        raise SeatNotVacatable(f"assignment {assignment.id} is {assignment.state}")
    assignment.state = state
    assignment.closed_at = now
    if state == AssignmentState.RECUSED:
        assignment.recusal_reason = note
        audit.record(
            session=session,
            kind=AuditKind.RECUSAL,
            actor=actor,
            appeal_id=appeal.id,
            now=now,
            data={"assignment": assignment.id, "panelist": assignment.panelist_id, "note": note},
        )
    revoke_link(session=session, assignment=assignment, reason=reason, actor=actor, now=now)

    substitute, skipped, position = next_substitute(
        session=session, appeal=appeal, rules=rules, now=now
    )
    start = appeal.draw_position
    appeal.draw_position = position
    session.add(appeal)
    if substitute is None:
        appeal.status = AppealStatus.STALLED
        audit.record(
            session=session,
            kind=AuditKind.STALLED,
            actor="system",
            appeal_id=appeal.id,
            now=now,
            data={"reason": "no_substitute", "vacated": assignment.id},
        )
        webhooks.queue_outcome(session=session, appeal=appeal, now=now)
        session.flush()
        return None

    draw_round = (
        session.exec(
            select(func.max(Assignment.draw_round)).where(Assignment.appeal_id == appeal.id)
        ).one()
        + 1
    )
    replacement = Assignment(
        appeal_id=appeal.id,
        panelist_id=substitute.id,
        draw_round=draw_round,
        link_nonce=new_nonce(),
        deadline=max(appeal.deadline, now + rules.voting_window),
        created_at=now,
    )
    appeal.deadline = replacement.deadline
    session.add(replacement)
    session.flush()
    audit.record(
        session=session,
        kind=AuditKind.REPLACEMENT,
        actor=actor,
        appeal_id=appeal.id,
        now=now,
        data={
            "vacated": assignment.id,
            "vacated_panelist": assignment.panelist_id,
            "reason": reason,
            "from_position": start,
            "to_position": position,
            "skipped": [[pid, why] for pid, why in skipped],
            "picked": substitute.id,
            "assignment": replacement.id,
            "round": draw_round,
        },
    )
    outbox.queue_for_seats(
        session=session, assignments=[replacement], kind=MessageKind.REPLACEMENT_INVITATION, now=now
    )
    return replacement
