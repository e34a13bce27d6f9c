"""What a claimed SMS says, as its kind and parameters, and whether it should still go.

Parameters are taken at claim time from the assignment, not stored when queued: the link's
token is then signed with the newest key and follows the seat's current nonce, and the
credential it carries never sits in the database. Domain functions therefore queue with
no configuration at all.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ..access import links
from ..enums import MessageKind, OutboxStatus
from ..models import Appeal, Assignment, OutboxMessage, Panelist
from ..panel import seating
from . import messages
from .clients.sms.base import Outgoing

SEAT_MESSAGES = (
    MessageKind.INVITATION,
    MessageKind.REPLACEMENT_INVITATION,
    MessageKind.REMINDER,
)


def unwanted(*, session: Session, message: OutboxMessage, now) -> str | None:
    """Why a queued SMS should no longer go out, or None to send it."""
    if message.assignment_id is None:
        return None
    seat = session.get(Assignment, message.assignment_id)
    if message.kind in SEAT_MESSAGES:
        appeal = session.get(Appeal, seat.appeal_id)
        refused = seating.refusal(appeal, seat, now)
        if refused is not None:
            return f"the seat cannot vote: {refused}"
        holder = session.get(Panelist, seat.panelist_id)
        problem = seating.holder_problem(holder, department_id=appeal.department_id)
        if problem is not None:
            # The worker's sweep hands the seat on; its holder is not to be invited.
            return f"the holder may no longer sit: {problem}"
    if message.kind == MessageKind.WITHDRAWN_NOTICE and not _was_invited(session, seat.id):
        return "the panelist was never invited"
    return None


def _was_invited(session: Session, assignment_id: int) -> bool:
    reached = (OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.DELIVERED)
    return (
        session.exec(
            select(OutboxMessage.id).where(
                OutboxMessage.assignment_id == assignment_id,
                col(OutboxMessage.kind).in_(
                    (MessageKind.INVITATION, MessageKind.REPLACEMENT_INVITATION)
                ),
                col(OutboxMessage.status).in_(reached),
            )
        ).first()
        is not None
    )


def outgoing_for(*, session: Session, message: OutboxMessage, settings, unconfirmed_since=None):
    """The claimed row as a backend takes it: kind, recipient and parameters."""
    seat = session.get(Assignment, message.assignment_id)
    appeal = session.get(Appeal, seat.appeal_id)
    panelist = session.get(Panelist, seat.panelist_id)
    token = ""
    if message.kind in SEAT_MESSAGES:
        token = links.make_token(assignment=seat, secret_keys=settings.secret_keys)
    params = messages.parameters(
        MessageKind(message.kind), reference=appeal.reference, deadline=seat.deadline,
        token=token,
    )  # fmt: skip
    return Outgoing(
        message_id=message.id,
        attempt=message.attempts,
        kind=str(message.kind),
        to=panelist.mobile,
        params=params,
        appeal=appeal.reference,
        base_url=settings.base_url,
        unconfirmed_provider=message.unconfirmed_provider,
        unconfirmed_since=unconfirmed_since,
    )
