"""What a try's outcome does to an outbox row: sent, retried with backoff, waiting, or given
up; and the provider statuses that only move forward."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, and_, col, or_, select

from ..enums import DeliveryStatus, OutboxStatus
from ..models import OutboxMessage
from .fence import held_claim

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)

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


def mark_sent(
    *, message: OutboxMessage, provider_ref: str | None, now: datetime, provider: str | None = None
) -> None:
    """The provider accepted the message."""
    message.status = OutboxStatus.SENT
    message.provider_ref = provider_ref
    message.provider_status = None
    if provider is not None:
        message.provider = provider
    message.unconfirmed_provider = None
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


def wait(*, message: OutboxMessage, error: str, until: datetime, now: datetime) -> None:
    """Put the message back, due at ``until``, and never give it up for this: the
    provider's account or configuration stopped it, not the number. (``attempts`` still
    counts the try: it fences claims, so it only ever grows.)"""
    message.last_error = error[:500]
    message.claimed_until = None
    message.updated_at = now
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = until


def record_error(
    *,
    session: Session,
    outgoing,
    error: str,
    accepted_as: OutboxStatus | None,
    max_attempts: int,
    now: datetime,
    provider_ref: str | None = None,
    provider: str | None = None,
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
        mark_sent(message=message, provider_ref=provider_ref, now=now, provider=provider)
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
