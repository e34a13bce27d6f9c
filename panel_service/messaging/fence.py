"""The claim that fences a send: a row is sent, and its result written, only by the worker
whose claim on it still stands.

Each claim bumps the row's ``attempts``; that number fences every later write, so a worker
whose lease ran out cannot overwrite a newer attempt. A batch is sent one row after
another, so the lease taken at claim time may run out before a row's turn comes: right
before each send the worker renews that row's claim (``renew_claim``) and sends only if it
still held it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from ..enums import OutboxStatus
from ..models import OutboxMessage

log = logging.getLogger(__name__)

# Renewed before each send, so it need only outlast one provider call: at least twice the
# HTTP timeout (a timeout bounds each wait, connect and read, not the whole call). The
# configured timeouts are at most 60 s; the worker refuses a shorter lease (worker.py).
LEASE = timedelta(minutes=2)


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


def held_claim(*, session: Session, outgoing) -> OutboxMessage | None:
    """The row, locked, if the worker's claim on it still stands; else None."""
    row = session.get(OutboxMessage, outgoing.message_id, with_for_update=True)
    if row is None or row.status != OutboxStatus.SENDING or row.attempts != outgoing.attempt:
        log.warning(
            "claim on outbox message lost before its result was recorded",
            extra={"message_id": outgoing.message_id, "attempt": outgoing.attempt},
        )
        return None
    return row
