"""The transactional outbox: messages are rows written with what causes them, sent later.

A row is queued in the caller's transaction (an appeal's invitations commit or roll back
with the appeal). The worker *claims* due rows with ``SELECT ... FOR UPDATE SKIP LOCKED``
(several workers never take the same row), commits, sends with no transaction open, and
records the result only if its claim still stands: each claim bumps ``attempts``, and that
number fences the write, so a worker whose lease ran out cannot overwrite a newer attempt.
A claim left by a crashed worker simply expires (``claimed_until``) and the row is due again.
A batch is sent one row after another, so the lease taken at claim time may run out before
a row's turn comes: right before each send the worker renews that row's claim
(``renew_claim``) and sends only if it still held it.

SMS bodies are rendered at claim time from the assignment, not stored when queued: the
link is then signed with the newest key, follows the assignment's current nonce, and the
credential it carries never sits in the database. Domain functions therefore queue with
no configuration at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, and_, col, or_, select

from ..access import links
from ..enums import DeliveryStatus, MessageKind, OutboxChannel, OutboxStatus
from ..models import Appeal, Assignment, OutboxMessage, Panelist
from ..panel import seating
from . import messages
from .clients.sms.base import Outgoing

log = logging.getLogger(__name__)

# Renewed before each send, so it need only outlast one provider call: at least twice the
# HTTP timeout (a timeout bounds each wait, connect and read, not the whole call). The
# configured timeouts are at most 60 s; the worker refuses a shorter lease (worker.py).
LEASE = timedelta(minutes=2)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
SEAT_MESSAGES = (
    MessageKind.INVITATION,
    MessageKind.REPLACEMENT_INVITATION,
    MessageKind.REMINDER,
)

# Provider statuses only move forward; the final ones share a rank, so the first wins.
_RANK = {
    DeliveryStatus.ACCEPTED: 0,
    DeliveryStatus.SCHEDULED: 0,
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.SENDING: 2,
    DeliveryStatus.SENT: 3,
    DeliveryStatus.DELIVERED: 4,
    DeliveryStatus.UNDELIVERED: 4,
    DeliveryStatus.FAILED: 4,
    DeliveryStatus.CANCELED: 4,
    DeliveryStatus.READ: 5,
}


@dataclass(frozen=True)
class SmsSettings:
    """What rendering a text needs from configuration."""

    base_url: str
    secret_keys: tuple[str, ...]
    signature: str
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_config(cls, config) -> SmsSettings:
        return cls(
            base_url=config.PUBLIC_BASE_URL,
            secret_keys=tuple(links.secret_keys_from(config)),
            signature=config.SMS_SIGNATURE,
            timezone=config.TIMEZONE,
        )


def queue(
    *,
    session: Session,
    kind: MessageKind,
    now: datetime,
    appeal_id: int | None = None,
    assignment_id: int | None = None,
    channel: OutboxChannel = OutboxChannel.SMS,
    recipient: str | None = None,
    body: str | None = None,
) -> OutboxMessage:
    """Add one message to the outbox in the caller's transaction, due now."""
    message = OutboxMessage(
        channel=channel,
        kind=kind,
        appeal_id=appeal_id,
        assignment_id=assignment_id,
        recipient=recipient,
        body=body,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    return message


def queue_for_seats(
    *, session: Session, assignments: Iterable[Assignment], kind: MessageKind, now: datetime
) -> list[OutboxMessage]:
    """Queue one SMS of ``kind`` to each assignment's panelist."""
    return [
        queue(session=session, kind=kind, now=now, appeal_id=a.appeal_id, assignment_id=a.id)
        for a in assignments
    ]


def due(now: datetime):
    """Rows a worker may take: pending and due, or claimed by a worker whose lease ran out."""
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(
            OutboxMessage.status == OutboxStatus.SENDING,
            col(OutboxMessage.claimed_until) < now,
        ),
    )


def claim(
    *,
    session: Session,
    settings: SmsSettings,
    now: datetime,
    limit: int = 20,
    lease: timedelta = LEASE,
) -> list[Outgoing]:
    """Lock and claim up to ``limit`` due SMS rows and render them; the caller commits."""
    rows = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.channel == OutboxChannel.SMS, due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    for row in rows:
        row.updated_at = now
        reason = _unwanted(session=session, message=row, now=now)
        if reason:
            row.status, row.claimed_until, row.last_error = OutboxStatus.CANCELLED, None, reason
            session.add(row)
            session.flush()  # later rows in this batch must see the cancellation
            continue
        row.attempts += 1
        row.status = OutboxStatus.SENDING
        row.claimed_until = now + lease
        outgoing = _render(session=session, message=row, settings=settings)
        row.recipient = outgoing.to
        session.add(row)
        claimed.append(outgoing)
    session.flush()
    return claimed


def _unwanted(*, session: Session, message: OutboxMessage, now: datetime) -> str | None:
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


def _render(*, session: Session, message: OutboxMessage, settings: SmsSettings) -> Outgoing:
    seat = session.get(Assignment, message.assignment_id)
    appeal = session.get(Appeal, seat.appeal_id)
    panelist = session.get(Panelist, seat.panelist_id)
    url = ""
    if message.kind in SEAT_MESSAGES:
        token = links.make_token(assignment=seat, secret_keys=settings.secret_keys)
        url = links.link_url(settings.base_url, token)
    body = messages.render(
        message.kind,
        signature=settings.signature,
        reference=appeal.reference,
        deadline=seat.deadline,
        url=url,
        tz_name=settings.timezone,
    )
    return Outgoing(
        message_id=message.id,
        attempt=message.attempts,
        kind=str(message.kind),
        to=panelist.mobile,
        body=body,
        appeal=appeal.reference,
    )


def renew_claim(*, session: Session, outgoing, now: datetime, lease: timedelta = LEASE) -> bool:
    """Extend a claim by a lease from ``now`` if it still stands; the caller commits.

    False when the claim is gone: its lease ran out (a peer may be sending the row), a
    newer attempt took the row, or its result is already recorded. Then do not send.
    """
    # One conditional UPDATE: on PostgreSQL it takes the row lock, so a peer's claim either
    # skips the row (SKIP LOCKED) or re-reads it after our commit and finds it not due.
    result = session.execute(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == outgoing.message_id,
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.attempts) == outgoing.attempt,
            col(OutboxMessage.claimed_until) > now,
        )
        .values(claimed_until=now + lease, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def held_claim(*, session: Session, outgoing: Outgoing) -> OutboxMessage | None:
    """The row, locked, if the worker's claim on it still stands; else None."""
    row = session.get(OutboxMessage, outgoing.message_id, with_for_update=True)
    if row is None or row.status != OutboxStatus.SENDING or row.attempts != outgoing.attempt:
        log.warning(
            "claim on outbox message lost before its result was recorded",
            extra={"message_id": outgoing.message_id, "attempt": outgoing.attempt},
        )
        return None
    return row


def mark_sent(*, message: OutboxMessage, provider_ref: str | None, now: datetime) -> None:
    """The provider accepted the message."""
    message.status = OutboxStatus.SENT
    message.provider_ref = provider_ref
    message.provider_status = None
    message.claimed_until = None
    message.sent_at = now
    message.updated_at = now


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` tries: 30 s, 1 min, 2 min, ... 1 h."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts - 1, 0))


def retry_or_give_up(
    *, message: OutboxMessage, error: str, max_attempts: int, now: datetime
) -> bool:
    """Schedule another try with backoff; give up (FAILED) after ``max_attempts``."""
    message.last_error = error[:500]
    message.claimed_until = None
    message.updated_at = now
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
        return False
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = now + backoff(message.attempts)
    return True


def record_error(
    *,
    session: Session,
    outgoing,
    error: str,
    accepted_as: OutboxStatus | None,
    max_attempts: int,
    now: datetime,
    provider_ref: str | None = None,
) -> OutboxStatus | None:
    """Keep on the row an error that stopped its result being recorded; the caller commits.

    ``accepted_as`` is what the provider's acceptance means (SENT for an SMS, DELIVERED for
    a webhook), or None if it did not take the message. An accepted message is not sent
    again, which would text the panelist twice; any other is retried with the backoff.
    Returns the new status, or None when the claim had been lost.
    """
    message = held_claim(session=session, outgoing=outgoing)
    if message is None:
        return None
    if accepted_as is None:
        retry_or_give_up(message=message, error=error, max_attempts=max_attempts, now=now)
    else:
        mark_sent(message=message, provider_ref=provider_ref, now=now)
        message.status, message.last_error = accepted_as, error[:500]
        if accepted_as == OutboxStatus.DELIVERED:
            message.delivered_at = now
    session.add(message)
    session.flush()
    return message.status


def advance_provider_status(message: OutboxMessage, status: DeliveryStatus) -> bool:
    """Record a provider status unless it would move the message backwards."""
    current = message.provider_status
    if current is not None and _RANK[DeliveryStatus(current)] >= _RANK[status]:
        return False
    message.provider_status = status
    return True


def problems(*, session: Session, limit: int = 100) -> Sequence[OutboxMessage]:
    """Messages staff should look at: failed, or retried at least once and not yet through."""
    return session.exec(
        select(OutboxMessage)
        .where(
            or_(
                OutboxMessage.status == OutboxStatus.FAILED,
                and_(
                    col(OutboxMessage.status).in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
                    col(OutboxMessage.last_error).is_not(None),
                ),
            )
        )
        .order_by(col(OutboxMessage.updated_at).desc())
        .limit(limit)
    ).all()
