"""Outcome webhooks: when an appeal is decided, withdrawn or stalled, tell the platform.

The message is queued in the outbox in the same transaction as the outcome, with its JSON
body; the worker claims it like an SMS, POSTs it to ``PANEL_WEBHOOK_URL`` with an
HMAC-SHA256 signature of the exact body, and retries with the outbox's backoff. The URL and
secret are read when sending, so the domain queues without any configuration; with no URL
configured the worker cancels the message instead of sending it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from ..appeals.outcomes import outcome
from ..enums import MessageKind, OutboxChannel, OutboxStatus
from ..models import Appeal, OutboxMessage
from . import outbox

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Panel-Signature"
EVENT_HEADER = "X-Panel-Event"
DELIVERY_HEADER = "X-Panel-Delivery"
EVENTS = {"decided": "appeal.decided", "withdrawn": "appeal.withdrawn", "stalled": "appeal.stalled"}


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    secret: str
    timeout: int = 10

    @classmethod
    def from_config(cls, config) -> WebhookSettings:
        return cls(
            url=config.WEBHOOK_URL, secret=config.WEBHOOK_SECRET, timeout=config.WEBHOOK_TIMEOUT
        )


@dataclass(frozen=True)
class WebhookOutgoing:
    """One claimed webhook: ``message_id`` and ``attempt`` fence the result as for SMS."""

    message_id: int
    attempt: int
    event: str
    body: str


class WebhookFailure(Exception):
    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC of the body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def queue_outcome(
    *, session: Session, appeal: Appeal, now: datetime, seats: list | None = None
) -> None:
    """Queue the outcome webhook for the appeal's current state, in the caller's transaction.

    ``seats``: all of the appeal's seats as the caller holds them locked (the lifecycle
    does); the body is then built from them, without a query.
    """
    event = EVENTS.get(str(appeal.status), f"appeal.{appeal.status}")
    payload = {"event": event, "occurred_at": now.isoformat().replace("+00:00", "Z")}
    payload["appeal"] = outcome(session=session, appeal=appeal, seats=seats)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    outbox.insert_rows(
        session=session,
        rows=[
            outbox.row(kind=MessageKind.WEBHOOK, now=now, appeal_id=appeal.id,
                       channel=OutboxChannel.WEBHOOK, body=body)
        ],
    )  # fmt: skip


def claim(
    *,
    session: Session,
    settings: WebhookSettings,
    now: datetime,
    limit: int = 20,
    lease: timedelta = outbox.LEASE,
) -> list[WebhookOutgoing]:
    """Lock and claim due webhooks; with no URL configured, cancel them. The caller commits."""
    rows = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.channel == OutboxChannel.WEBHOOK, outbox.due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    for row in rows:
        row.updated_at = now
        if not settings.url:
            row.status, row.claimed_until = OutboxStatus.CANCELLED, None
            row.last_error = "no webhook URL configured"
        else:
            row.attempts += 1
            row.status = OutboxStatus.SENDING
            row.claimed_until = now + lease
            row.recipient = settings.url
            event = json.loads(row.body).get("event", "")
            claimed.append(WebhookOutgoing(row.id, row.attempts, event, row.body))
        session.add(row)
    session.flush()
    return claimed


def post(outgoing: WebhookOutgoing, settings: WebhookSettings) -> int:
    """POST the body, signed; returns the HTTP status or raises WebhookFailure."""
    body = outgoing.body.encode("utf-8")
    request = urllib.request.Request(
        settings.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "panel-service-webhook/1",
            SIGNATURE_HEADER: sign(body, settings.secret),
            EVENT_HEADER: outgoing.event,
            DELIVERY_HEADER: str(outgoing.message_id),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the connection open
        # A 4xx says the receiver will never take this body (except "slow down" and timeouts).
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 409, 425, 429)
        raise WebhookFailure(f"HTTP {exc.code}", permanent=permanent) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise WebhookFailure(f"unreachable: {type(exc).__name__}", permanent=False) from None


def record_result(
    *,
    session: Session,
    outgoing: WebhookOutgoing,
    failure: WebhookFailure | None,
    max_attempts: int,
    now: datetime,
) -> OutboxStatus | None:
    """Store the outcome of one delivery if the claim still stands; the caller commits."""
    message = outbox.held_claim(session=session, outgoing=outgoing)
    if message is None:
        return None
    if failure is None:
        outbox.mark_sent(message=message, provider_ref=None, now=now)
        # A 2xx answer is the receiver's own receipt: there is no later delivery report.
        message.status, message.delivered_at = OutboxStatus.DELIVERED, now
    elif failure.permanent:
        message.status, message.claimed_until = OutboxStatus.FAILED, None
        message.last_error, message.updated_at = str(failure)[:500], now
    else:
        outbox.retry_or_give_up(
            message=message, error=str(failure), max_attempts=max_attempts, now=now
        )
    session.add(message)
    session.flush()
    log.info(
        "webhook %s: %s",
        outgoing.event,
        message.status,
        extra={"message_id": message.id, "attempt": outgoing.attempt},
    )
    return message.status
