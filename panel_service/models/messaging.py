"""Messages out: the outbox, providers' health, the working-day calendar's overrides."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..enums import DeliveryStatus, MessageKind, OutboxChannel, OutboxStatus
from ..timeutil import UTCDateTime, now
from .columns import timestamp


# One message to send (an SMS now, an outcome webhook later), written in the same
# transaction as what causes it and sent by the worker (see outbox.py, worker.py).
class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # The worker's claim query: due rows by status and time.
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: OutboxChannel = Field(default=OutboxChannel.SMS, sa_type=sa.String(16))
    kind: MessageKind = Field(sa_type=sa.String(32))
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=sa.String(16))
    appeal_id: int | None = Field(default=None, foreign_key="appeal.id", index=True)
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    # SMS: filled in at send time from the assignment (the body carries a link credential,
    # so it is rendered when sent and never stored). Webhooks store both when queued.
    recipient: str | None = Field(default=None, sa_type=sa.String(255))
    body: str | None = Field(default=None, sa_type=sa.Text())
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    claimed_until: datetime | None = timestamp()
    last_error: str | None = Field(default=None, sa_type=sa.Text())
    provider_ref: str | None = Field(
        default=None, sa_type=sa.String(64), unique=True, index=True
    )  # Twilio's message SID
    provider_status: DeliveryStatus | None = Field(default=None, sa_type=sa.String(16))
    # SMS: the provider that took the message (or, before that, was last tried).
    provider: str | None = Field(default=None, sa_type=sa.String(16))
    # The provider whose answer to the last attempt never came (a timeout): it may have
    # taken the message, so it is asked before anyone sends it again.
    unconfirmed_provider: str | None = Field(default=None, sa_type=sa.String(16))
    sent_at: datetime | None = timestamp()
    delivered_at: datetime | None = timestamp()
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)


# How one SMS provider has been answering, shared by every worker and shown to admins:
# a provider put aside (``down_until``) is skipped and texts go to the next one.
class SmsProviderHealth(SQLModel, table=True):
    __tablename__ = "sms_provider_health"

    name: str = Field(sa_type=sa.String(16), primary_key=True)
    consecutive_failures: int = 0
    down_until: datetime | None = timestamp()
    # "transient" (too many failures in a row) or "account" (balance, template, keys...).
    fault: str | None = Field(default=None, sa_type=sa.String(16))
    last_error: str | None = Field(default=None, sa_type=sa.Text())
    last_failure_at: datetime | None = timestamp()
    last_success_at: datetime | None = timestamp()
    updated_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)


# A day that the official calendar gets wrong or does not cover yet, set by an admin:
# a holiday (``workday`` false) or a working day (true). See panel/workdays.py.
class CalendarOverride(SQLModel, table=True):
    __tablename__ = "calendar_override"

    day: date = Field(primary_key=True)
    workday: bool
    note: str = Field(default="", sa_type=sa.String(200))
    created_by: str = Field(sa_type=sa.String(100))
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)
