"""The transactional outbox: messages are rows written with what causes them, sent later.

A row is queued in the caller's transaction (an appeal's invitations commit or roll back
with the appeal). The worker *claims* due rows with ``SELECT ... FOR UPDATE SKIP LOCKED``
(several workers never take the same row), commits, sends with no transaction open, and
records the result only if its claim still stands (``fence``). A claim left by a crashed
worker simply expires (``claimed_until``) and the row is due again. What an SMS says is
its kind and parameters, taken at claim time (``content``); what a try's outcome does to
the row is in ``results``. No SMS is claimed during the quiet hours
(``PANEL_SMS_QUIET_HOURS``): whatever falls due at night waits until the window ends.

This module keeps the names the rest of the service calls (``outbox.claim``,
``outbox.mark_sent``, ...), whichever of those modules holds them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, and_, col, or_, select

from ..access import links
from ..enums import MessageKind, OutboxChannel, OutboxStatus
from ..models import Assignment, OutboxMessage
from ..rules import QuietHours
from ..timeutil import UTCDateTime
from .content import SEAT_MESSAGES, outgoing_for, unwanted
from .fence import LEASE, held_claim, renew_claim
from .results import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    advance_provider_status,
    backoff,
    mark_sent,
    problems,
    record_error,
    retry_or_give_up,
    wait,
)

__all__ = [
    "BACKOFF_BASE", "BACKOFF_CAP", "LEASE", "SEAT_MESSAGES", "SmsSettings",
    "advance_provider_status", "backoff", "claim", "due", "held_claim", "mark_sent",
    "insert_rows", "problems", "queue", "queue_for_seats", "record_error", "renew_claim", "row",
    "retry_or_give_up", "wait",
]  # fmt: skip


@dataclass(frozen=True)
class SmsSettings:
    """What claiming a text needs from configuration."""

    base_url: str
    secret_keys: tuple[str, ...]
    signature: str
    timezone: str = "Asia/Shanghai"
    quiet_hours: QuietHours = field(default_factory=QuietHours)

    @classmethod
    def from_config(cls, config) -> SmsSettings:
        return cls(
            base_url=config.PUBLIC_BASE_URL,
            secret_keys=tuple(links.secret_keys_from(config)),
            signature=config.SMS_SIGNATURE,
            timezone=config.TIMEZONE,
            quiet_hours=QuietHours.parse(config.SMS_QUIET_HOURS),
        )


def queue(*, session: Session, **message) -> OutboxMessage:
    """Add one message (the fields ``row`` takes) to the outbox in the caller's transaction,
    due now, as an ORM row for callers that go on with it; ``insert_rows`` writes many."""
    queued = OutboxMessage(**row(**message))
    session.add(queued)
    return queued


def queue_for_seats(
    *, session: Session, assignments: Iterable[Assignment], kind: MessageKind, now: datetime
) -> None:
    """Queue one SMS of ``kind`` to each assignment's panelist (seats already stored)."""
    ids = [a.id for a in assignments]
    if ids:
        session.connection().execute(_FOR_SEATS, {"ids": ids, "kind": kind, "now": now})


# One INSERT ... SELECT over the seats, in Core: a new panel's five invitations were five
# OutboxMessage objects and an INSERT ... RETURNING (bench/writes.py).
_NOW = sa.bindparam("now", type_=UTCDateTime())
_FOR_SEATS = sa.insert(OutboxMessage.__table__).from_select(
    ["channel", "kind", "status", "appeal_id", "assignment_id", "attempts", "next_attempt_at",
     "created_at", "updated_at"],
    sa.select(
        sa.literal(OutboxChannel.SMS.value), sa.bindparam("kind", type_=sa.String()),
        sa.literal(OutboxStatus.PENDING.value), col(Assignment.appeal_id), col(Assignment.id),
        sa.literal(0), _NOW, _NOW, _NOW,
    )
    .where(col(Assignment.id).in_(sa.bindparam("ids", expanding=True)))
    .order_by(col(Assignment.id)),
)  # fmt: skip


def row(
    *,
    kind: MessageKind,
    now: datetime,
    appeal_id: int | None = None,
    assignment_id: int | None = None,
    channel: OutboxChannel = OutboxChannel.SMS,
    recipient: str | None = None,
    body: str | None = None,
) -> dict:
    """One message, due now: the columns of its row, as ``queue`` and ``insert_rows`` take them."""
    return {
        "channel": channel, "kind": kind, "status": OutboxStatus.PENDING,
        "appeal_id": appeal_id, "assignment_id": assignment_id, "recipient": recipient,
        "body": body, "attempts": 0, "next_attempt_at": now, "created_at": now,
        "updated_at": now,
    }  # fmt: skip


# Core, not OutboxMessage objects: the messages a transition queues are only read by the
# worker, later, and five ORM objects with their INSERT ... RETURNING cost more CPU than
# the statement (bench/writes.py: an appeal's five invitations).
_INSERT = sa.insert(OutboxMessage.__table__)


def insert_rows(*, session: Session, rows: list[dict]) -> None:
    """Add these messages (``row``) to the outbox in one INSERT, in the caller's transaction."""
    if rows:
        session.connection().execute(_INSERT, rows)


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
) -> list:
    """Lock and claim up to ``limit`` due SMS rows (none in the quiet hours); the caller
    commits. Returns each as a backend takes it (``clients.sms.base.Outgoing``)."""
    if settings.quiet_hours.contains(now):
        return []
    rows = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.channel == OutboxChannel.SMS, due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    for row in rows:
        last_try, row.updated_at = row.updated_at, now
        reason = unwanted(session=session, message=row, now=now)
        if reason:
            row.status, row.claimed_until, row.last_error = OutboxStatus.CANCELLED, None, reason
            session.add(row)
            session.flush()  # later rows in this batch must see the cancellation
            continue
        row.attempts += 1
        row.status = OutboxStatus.SENDING
        row.claimed_until = now + lease
        outgoing = outgoing_for(
            session=session, message=row, settings=settings,
            unconfirmed_since=last_try if row.unconfirmed_provider else None,
        )  # fmt: skip
        row.recipient = outgoing.to
        session.add(row)
        claimed.append(outgoing)
    session.flush()
    return claimed
