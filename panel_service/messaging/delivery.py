"""What a send or a delivery receipt means for the message, the panelist and the appeal.

Transient failures are retried with backoff; a permanent failure (the number is invalid,
not a mobile, unsubscribed, unreachable) marks the panelist's mobile as failing and gives
their pending seat to the next substitute, so the appeal still gets a full panel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from ..enums import DeliveryStatus, OutboxStatus
from ..membership.changes import mark_number_failing
from ..models import Assignment, OutboxMessage
from ..rules import PanelRules
from . import outbox
from .clients.sms.base import Outgoing, SmsFailure
from .clients.sms.twilio import is_permanent_code

log = logging.getLogger(__name__)

FINAL_FAILURES = (DeliveryStatus.UNDELIVERED, DeliveryStatus.FAILED)


def record_send(
    *,
    session: Session,
    outgoing: Outgoing,
    provider_ref: str | None = None,
    failure: SmsFailure | None = None,
    rules: PanelRules,
    now: datetime,
) -> OutboxStatus | None:
    """Store the outcome of one send if the claim still stands; the caller commits.

    Returns the message's new status, or None when the claim had been lost.
    """
    message = outbox.held_claim(session=session, outgoing=outgoing)
    if message is None:
        return None
    if failure is None:
        outbox.mark_sent(message=message, provider_ref=provider_ref, now=now)
    elif failure.permanent:
        number_failed(
            session=session, message=message, error=failure.describe(), rules=rules, now=now
        )
    else:
        outbox.retry_or_give_up(
            message=message,
            error=failure.describe(),
            max_attempts=rules.sms_max_attempts,
            now=now,
        )
        log.info(
            "SMS send failed, status %s after %d attempts",
            message.status,
            message.attempts,
            extra={"message_id": message.id, "code": failure.code},
        )
    session.add(message)
    session.flush()
    return message.status


def number_failed(
    *, session: Session, message: OutboxMessage, error: str, rules: PanelRules, now: datetime
) -> None:
    """Fail the message for good and mark its panelist's mobile failing: every pending
    seat of theirs goes to the next candidate (the caller holds the message's row lock)."""
    message.status = OutboxStatus.FAILED
    message.last_error = error[:500]
    message.claimed_until = None
    message.updated_at = now
    session.add(message)
    if message.assignment_id is None:
        return
    seat = session.get(Assignment, message.assignment_id)
    mark_number_failing(
        session=session, panelist_id=seat.panelist_id, error=error, rules=rules, now=now
    )
    log.warning(
        "mobile marked failing", extra={"panelist_id": seat.panelist_id, "message_id": message.id}
    )


@dataclass(frozen=True)
class ReceiptResult:
    found: bool
    applied: bool  # False for a duplicate or out-of-order (backwards) receipt


def apply_receipt(
    *,
    session: Session,
    provider_ref: str,
    status: DeliveryStatus | str,
    error_code: str | None,
    rules: PanelRules,
    now: datetime,
) -> ReceiptResult:
    """Apply one delivery receipt idempotently; the caller commits."""
    status = DeliveryStatus(status)
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.provider_ref == provider_ref).with_for_update()
    ).first()
    if message is None:
        return ReceiptResult(found=False, applied=False)
    if not outbox.advance_provider_status(message, status):
        return ReceiptResult(found=True, applied=False)
    message.updated_at = now
    if status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ):
        if message.status == OutboxStatus.SENT:
            message.status = OutboxStatus.DELIVERED
            message.delivered_at = now
    elif status in FINAL_FAILURES and message.status == OutboxStatus.SENT:
        error = f"{error_code}: delivery {status}" if error_code else f"delivery {status}"
        if is_permanent_code(error_code):
            number_failed(session=session, message=message, error=error, rules=rules, now=now)
        else:
            outbox.retry_or_give_up(
                message=message, error=error, max_attempts=rules.sms_max_attempts, now=now
            )
    session.add(message)
    session.flush()
    return ReceiptResult(found=True, applied=True)
