"""An appeal's story for staff: the audit events and the SMS deliveries, in time order.

Entries name panelists by id; the staff page looks the names up, the department page
never shows them. Vote choices come only from the decision event, so nothing here can
reveal a vote before the appeal is decided.

Until the decision not even *who has voted* shows: that would tell how the panel leans
(four votes in and undecided is two against two) and name the deciding voter. So before it
the timeline leaves out each seat's votes, link openings and pledges, the reminders and
withdrawal notices (sent only to seats still to vote) unless one failed (then without the
name), and the seats closed by a withdrawal (only those that had not voted);
``shown_state`` shows every sitting seat alike. Replacements, recusals, stalls and failing
numbers stay: staff act on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from ..enums import (
    AppealStatus,
    AssignmentState,
    AuditKind,
    MessageKind,
    OutboxChannel,
    OutboxStatus,
    SeatReason,
)
from ..models import Appeal, Assignment, OutboxMessage, Panelist
from ..record import audit

# Outbox kinds a person cares to see, and what they are called on the timeline.
SMS_KINDS = {
    MessageKind.INVITATION: "invitation",
    MessageKind.REPLACEMENT_INVITATION: "invitation",
    MessageKind.REMINDER: "reminder",
    MessageKind.WITHDRAWN_NOTICE: "withdrawn_notice",
}


# Per-seat steps that say whether the seat has voted yet.
SECRET_KINDS = {AuditKind.VOTE_RECORDED, AuditKind.LINK_OPENED, AuditKind.PLEDGE_CONFIRMED}
# A sitting seat's state before the decision: voted and still to vote look the same.
SEATED = "seated"
_SITTING = {AssignmentState.PENDING, AssignmentState.VOTED}
_TO_SEATS_STILL_TO_VOTE = {MessageKind.REMINDER, MessageKind.WITHDRAWN_NOTICE}
_ENDED_BY_OUTCOME = {str(SeatReason.WITHDRAWN), str(SeatReason.DECIDED)}


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # an AuditKind value, or sms.sent / sms.delivered / sms.failed / webhook.*
    panelist_ids: tuple[int, ...] = ()
    detail: dict = field(default_factory=dict)


def _seat_panelists(session: Session, appeal_id: int) -> dict[int, int]:
    rows = session.exec(
        select(Assignment.id, Assignment.panelist_id).where(Assignment.appeal_id == appeal_id)
    ).all()
    return dict(rows)


def _from_audit(event, seats: dict[int, int], texts: dict) -> Entry:
    data = audit.event_data(event)
    kind = str(event.kind)
    panelists: tuple[int, ...] = ()
    detail: dict = {}
    if kind == AuditKind.PANEL_DRAWN:
        panelists = tuple(data.get("picked", []))
    elif kind == AuditKind.REPLACEMENT:
        panelists = (data.get("vacated_panelist"), data.get("picked"))
        detail = {"reason": data.get("reason"), "round": data.get("round")}
    elif kind in (AuditKind.LINK_REVOKED, AuditKind.RECUSAL):
        panelists = (data.get("panelist") or seats.get(data.get("assignment")),)
        # Since 0007 the event holds only the note's digest; the seat keeps the note.
        note = data.get("note") or texts.get(("note", data.get("assignment")))
        detail = {"reason": data.get("reason") or note}
    elif "assignment" in data:
        panelists = (seats.get(data["assignment"]),)
    if kind == AuditKind.DECISION:
        detail = {k: data.get(k) for k in ("decision", "agree", "disagree")}
    elif kind == AuditKind.WITHDRAWAL:
        detail = {"reason": data.get("reason") or texts.get("withdrawn")}
    elif kind == AuditKind.STALLED:
        detail = {"reason": data.get("reason")}
    elif kind == AuditKind.APPEAL_CREATED:
        detail = {"by": event.actor}
    return Entry(
        at=event.at,
        kind=kind,
        panelist_ids=tuple(p for p in panelists if p is not None),
        detail=detail,
    )


def _secret(event) -> bool:
    """Would this event tell, before the decision, whether a seat has voted?"""
    if event.kind in SECRET_KINDS:
        return True
    return (
        event.kind == AuditKind.LINK_REVOKED
        and audit.event_data(event).get("reason") in _ENDED_BY_OUTCOME
    )


def _from_outbox(message: OutboxMessage, seats: dict[int, int], decided: bool) -> list[Entry]:
    panelists = (seats[message.assignment_id],) if message.assignment_id in seats else ()
    if not decided and message.kind in _TO_SEATS_STILL_TO_VOTE:
        # Sent only to seats still to vote: keep a failure, without the name.
        if message.status != OutboxStatus.FAILED:
            return []
        panelists = ()
    if message.channel == OutboxChannel.WEBHOOK:
        prefix, what = "webhook", "outcome"
    else:
        prefix, what = "sms", SMS_KINDS.get(MessageKind(message.kind), str(message.kind))
    entries = []
    if message.sent_at is not None:
        entries.append(Entry(message.sent_at, f"{prefix}.sent", panelists, {"what": what}))
    if message.delivered_at is not None:
        entries.append(
            Entry(message.delivered_at, f"{prefix}.delivered", panelists, {"what": what})
        )
    if message.status == OutboxStatus.FAILED:
        entries.append(Entry(message.updated_at, f"{prefix}.failed", panelists, {"what": what}))
    return entries


def timeline(*, session: Session, appeal_id: int) -> list[Entry]:
    """Every step of the appeal, oldest first (before the decision, none that says who voted)."""
    seats = _seat_panelists(session, appeal_id)
    appeal = session.get(Appeal, appeal_id)
    decided = appeal.status == AppealStatus.DECIDED
    events = audit.events_for(session=session, appeal_id=appeal_id)
    if not decided:
        events = [e for e in events if not _secret(e)]
    texts = {("note", s.id): s.recusal_reason for s in session.exec(
        select(Assignment).where(Assignment.appeal_id == appeal_id)
    )}  # fmt: skip
    texts["withdrawn"] = appeal.withdrawn_reason
    entries = [_from_audit(e, seats, texts) for e in events]
    messages = session.exec(select(OutboxMessage).where(OutboxMessage.appeal_id == appeal_id)).all()
    for message in messages:
        entries.extend(_from_outbox(message, seats, decided))
    return sorted(entries, key=lambda e: e.at)


def panelist_names(*, session: Session, appeal_id: int) -> dict[int, str]:
    """Names of everyone who ever held a seat on the appeal (for staff only)."""
    ids = set(_seat_panelists(session, appeal_id).values())
    if not ids:
        return {}
    rows = session.exec(select(Panelist.id, Panelist.name).where(col(Panelist.id).in_(ids)))
    return dict(rows.all())


def shown_state(seat: Assignment, *, decided: bool) -> str:
    """The seat's state as people may see it: before the decision, sitting is all it says."""
    if decided:
        return str(seat.state)
    if seat.state in _SITTING or (
        seat.state == AssignmentState.CLOSED and seat.closed_reason in _ENDED_BY_OUTCOME
    ):
        return SEATED
    return str(seat.state)


def seats(*, session: Session, appeal_id: int) -> list[Assignment]:
    """The appeal's seats in the order they were taken."""
    return list(
        session.exec(
            select(Assignment)
            .where(Assignment.appeal_id == appeal_id)
            .order_by(Assignment.draw_round, Assignment.id)
        ).all()
    )
