"""What a send or a delivery receipt means for the message, the panelist and the appeal.

A failure's ``SmsFault`` decides: transient ones and rate limits are retried with
backoff; a bad number (invalid, not a mobile, unsubscribed, unreachable) marks the
panelist's mobile as failing and gives their pending seat to the next substitute, so the
appeal still gets a full panel; an account fault (balance, template, keys) is not the
panelist's: the text waits for a provider, never given up for it; a lost answer (a
timeout) is retried only after the provider that may have taken it was asked
(``unconfirmed_provider``, see worker).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from ..enums import DeliveryStatus, OutboxStatus, SmsFault
from ..membership.changes import mark_number_failing
from ..models import Assignment, OutboxMessage
from ..rules import PanelRules
from . import outbox
from .clients.sms import receipt_code_is_permanent
from .clients.sms.base import Outgoing, SmsFailure

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
    provider: str | None = None,
    wait_until: datetime | None = None,
) -> OutboxStatus | None:
    """Store the outcome of one send through ``provider`` if the claim still stands; the
    caller commits. ``wait_until``: when a provider may take a waiting text again.

    Returns the message's new status, or None when the claim had been lost.
    """
    message = outbox.held_claim(session=session, outgoing=outgoing)
    if message is None:
        return None
    if provider is not None:
        message.provider = provider
    if failure is None:
        outbox.mark_sent(message=message, provider_ref=provider_ref, now=now, provider=provider)
    elif failure.fault == SmsFault.NUMBER:
        number_failed(
            session=session, message=message, error=failure.describe(), rules=rules, now=now
        )
    elif failure.fault == SmsFault.ACCOUNT:
        outbox.wait(message=message, error=failure.describe(), until=wait_until or now, now=now)
    else:
        if failure.fault == SmsFault.UNKNOWN:
            message.unconfirmed_provider = provider

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
    provider: str | None = None,
    message_id: int | None = None,
) -> ReceiptResult:
    """Apply one delivery receipt idempotently; the caller commits.

    The message is found by the provider's id, or by ours (``message_id``: the OutId an
    aliyun report carries) among the texts ``provider`` took.
    """
    status = DeliveryStatus(status)
    message = None
    if provider_ref:
        message = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.provider_ref == provider_ref)
            .with_for_update()
        ).first()
    if message is None and message_id is not None:
        message = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.provider == provider)
            .with_for_update()
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
        if receipt_code_is_permanent(message.provider, error_code):
            number_failed(session=session, message=message, error=error, rules=rules, now=now)
        else:
            outbox.retry_or_give_up(
                message=message, error=error, max_attempts=rules.sms_max_attempts, now=now
            )
    session.add(message)
    session.flush()
    return ReceiptResult(found=True, applied=True)
