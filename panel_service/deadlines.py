"""The deadline sweep: remind non-voters before their deadline, replace them after it.

A *replacement round* is one deadline passing with non-responders on the appeal: every
seat that expired at that deadline is replaced together. After
``rules.max_replacement_rounds`` rounds, or when the candidate order runs out of eligible
panelists, the appeal is ``stalled`` for staff to resolve. The worker runs the sweep on
every loop; each function leaves the commit to the caller.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from . import audit, outbox, webhooks
from .enums import AppealStatus, AssignmentState, AuditKind, MessageKind
from .models import Appeal, Assignment, OutboxMessage
from .replacement import revoke_link, vacate_and_replace
from .rules import PanelRules


def _pending_on_open_appeals():
    return (
        select(Assignment)
        .join(Appeal, col(Appeal.id) == Assignment.appeal_id)
        .where(Appeal.status == AppealStatus.OPEN, Assignment.state == AssignmentState.PENDING)
    )


def _reminded(assignment_id: int):
    return select(OutboxMessage.id).where(
        OutboxMessage.assignment_id == assignment_id, OutboxMessage.kind == MessageKind.REMINDER
    )


def queue_reminders(*, session: Session, rules: PanelRules, now: datetime) -> list[Assignment]:
    """Queue one reminder to every non-voter whose deadline is within the reminder lead."""
    candidates = session.exec(
        _pending_on_open_appeals()
        .where(Assignment.deadline > now, Assignment.deadline <= now + rules.reminder_lead)
        .order_by(Assignment.id)
    ).all()
    reminded = []
    for seat in candidates:
        # Lock the appeal so that two workers sweeping at once queue one reminder, not two.
        appeal = session.get(Appeal, seat.appeal_id, with_for_update={"key_share": True})
        session.refresh(seat)
        if appeal.status != AppealStatus.OPEN or seat.state != AssignmentState.PENDING:
            continue
        if session.exec(_reminded(seat.id)).first() is not None:
            continue
        outbox.queue(
            session=session,
            kind=MessageKind.REMINDER,
            now=now,
            appeal_id=seat.appeal_id,
            assignment_id=seat.id,
        )
        session.flush()
        reminded.append(seat)
    return reminded


def appeals_past_deadline(*, session: Session, now: datetime) -> list[int]:
    """Ids of open appeals with at least one pending seat whose deadline has passed."""
    return list(
        session.exec(
            select(Assignment.appeal_id)
            .join(Appeal, col(Appeal.id) == Assignment.appeal_id)
            .where(
                Appeal.status == AppealStatus.OPEN,
                Assignment.state == AssignmentState.PENDING,
                Assignment.deadline <= now,
            )
            .distinct()
            .order_by(Assignment.appeal_id)
        ).all()
    )


def replacement_rounds(*, session: Session, appeal_id: int) -> int:
    """Deadline rounds so far: distinct deadlines at which a non-responder was replaced."""
    return session.exec(
        select(func.count(func.distinct(Assignment.deadline))).where(
            Assignment.appeal_id == appeal_id,
            Assignment.state == AssignmentState.REPLACED,
            # Seats replaced for a bad number or a recusal were closed before their deadline.
            col(Assignment.closed_at).is_not(None),
            col(Assignment.closed_at) >= Assignment.deadline,
        )
    ).one()


def settle_expired(
    *, session: Session, appeal_id: int, rules: PanelRules, now: datetime
) -> list[Assignment]:
    """Revoke the expired seats of one appeal and seat substitutes, or stall the appeal.

    Returns the substitutes' assignments (each already has its invitation queued).
    """
    appeal = session.get(Appeal, appeal_id, with_for_update={"key_share": True})
    if appeal.status != AppealStatus.OPEN:
        return []
    expired = session.exec(
        select(Assignment)
        .where(
            Assignment.appeal_id == appeal_id,
            Assignment.state == AssignmentState.PENDING,
            Assignment.deadline <= now,
        )
        .order_by(Assignment.id)
    ).all()
    if not expired:
        return []
    if replacement_rounds(session=session, appeal_id=appeal_id) >= rules.max_replacement_rounds:
        _stall(session=session, appeal=appeal, expired=expired, now=now)
        return []
    substitutes = []
    for seat in expired:
        if appeal.status != AppealStatus.OPEN:
            # The previous seat exhausted the candidate order and stalled the appeal.
            _close(session=session, seat=seat, now=now)
            continue
        substitute = vacate_and_replace(
            session=session,
            assignment=seat,
            state=AssignmentState.REPLACED,
            reason="no_response",
            actor="system",
            rules=rules,
            now=now,
        )
        if substitute is not None:
            substitutes.append(substitute)
    return substitutes


def _stall(*, session: Session, appeal: Appeal, expired, now: datetime) -> None:
    for seat in expired:
        _close(session=session, seat=seat, now=now)
    appeal.status = AppealStatus.STALLED
    session.add(appeal)
    audit.record(
        session=session,
        kind=AuditKind.STALLED,
        actor="system",
        appeal_id=appeal.id,
        now=now,
        data={"reason": "max_replacement_rounds", "expired": [s.id for s in expired]},
    )
    webhooks.queue_outcome(session=session, appeal=appeal, now=now)
    session.flush()


def _close(*, session: Session, seat: Assignment, now: datetime) -> None:
    seat.state = AssignmentState.CLOSED
    seat.closed_at = now
    revoke_link(session=session, assignment=seat, reason="no_response", actor="system", now=now)
