"""Tables of the panel service (SQLModel); the schema itself comes from Alembic."""

from __future__ import annotations

import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .enums import (
    AppealStatus,
    AssignmentState,
    AuditKind,
    Decision,
    DeliveryStatus,
    MessageKind,
    OutboxChannel,
    OutboxStatus,
    PanelistCategory,
    Role,
    SeatReason,
    VoteChoice,
    WorkOrderSource,
)
from .timeutil import UTCDateTime, now


def new_public_id() -> str:
    """A random, URL-safe name for a row (128 bits)."""
    return secrets.token_urlsafe(16)


def _ts(nullable: bool = True, **kw):
    return Field(default=None, sa_type=UTCDateTime(), nullable=nullable, **kw)


# A city department or a county: the side that handled the work order and files appeals.
class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=sa.String(32), unique=True, index=True)
    name: str = Field(sa_type=sa.String(100))


# A hotline work order and the one department it belongs to: the hotline says so (the API,
# staff), or the department's own form claimed it first; only the hotline API moves it.
class WorkOrder(SQLModel, table=True):
    __tablename__ = "work_order"

    number: str = Field(sa_type=sa.String(32), primary_key=True)  # the canonical spelling
    department_id: int = Field(foreign_key="department.id", index=True)
    source: WorkOrderSource = Field(sa_type=sa.String(16))
    registered_by: str = Field(sa_type=sa.String(100))
    registered_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    note: str | None = Field(default=None, sa_type=sa.Text())  # why the hotline last moved it


# One member of the third-party panel, who signed the confidentiality pledge.
class Panelist(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(50))
    mobile: str = Field(sa_type=sa.String(20), unique=True, index=True)  # E.164
    category: PanelistCategory = Field(sa_type=sa.String(16))
    affiliation_id: int | None = Field(default=None, foreign_key="department.id")
    pledge_signed_on: date | None = None
    active: bool = True  # False while suspended or once retired
    retired_on: date | None = None  # retired members keep their history and never return
    term_start: date
    term_end: date
    # Set when the SMS provider reports the number as permanently unreachable.
    mobile_failing_since: datetime | None = _ts()
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)


# An appeal by a department against a repeat caller's "dissatisfied" rating.
class Appeal(SQLModel, table=True):
    __table_args__ = (
        # At most one live appeal per work order, even under concurrent submissions.
        sa.Index(
            "uq_appeal_live_work_order",
            "work_order_no",
            unique=True,
            sqlite_where=sa.text("status != 'withdrawn'"),
            postgresql_where=sa.text("status != 'withdrawn'"),
        ),
        # Every submission looks its work order up (the live appeal, a withdrawn
        # predecessor); the partial index above serves neither query, so without this
        # each one scans every past appeal (BENCHMARKS.md, "growth").
        sa.Index("ix_appeal_work_order_no", "work_order_no"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_type=sa.String(20), unique=True, index=True)
    work_order_no: str = Field(sa_type=sa.String(40))
    department_id: int = Field(foreign_key="department.id", index=True)
    citizen_request: str = Field(sa_type=sa.Text())
    department_reply: str = Field(sa_type=sa.Text())
    appeal_reason: str = Field(sa_type=sa.Text())
    policy_basis: str = Field(sa_type=sa.Text())
    repeat_calls: int
    submitted_by: str = Field(sa_type=sa.String(100))
    submitted_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    deadline: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    status: AppealStatus = Field(default=AppealStatus.OPEN, sa_type=sa.String(16), index=True)
    decision: Decision | None = Field(default=None, sa_type=sa.String(16))
    decided_at: datetime | None = _ts()
    # The draw's published inputs, so anyone can re-run it (see draw.py).
    draw_seed: str | None = Field(default=None, sa_type=sa.String(64))
    draw_pool: str | None = Field(default=None, sa_type=sa.Text())  # comma-separated ids
    draw_position: int = 0  # how far into the candidate order the draw has walked
    withdrawn_reason: str | None = Field(default=None, sa_type=sa.Text())
    # A resubmitted work order's earlier, withdrawn appeal: the draw continues its order.
    predecessor_id: int | None = Field(default=None, foreign_key="appeal.id")
    epoch_day: date | None = None  # whose committed secret seeded the draw
    beacon_round: int | None = None  # the public beacon round mixed into the seed, if any
    beacon_randomness: str | None = Field(default=None, sa_type=sa.String(64))

    @property
    def draw_pool_ids(self) -> list[int]:
        return [int(x) for x in (self.draw_pool or "").split(",") if x]


# One panelist's seat on one appeal; the link nonce revokes their SMS link when changed.
class Assignment(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("appeal_id", "panelist_id"),
        # "Has this panelist ever taken the pledge?" is asked on every link page; without
        # this the answer scans all of the panelist's past seats (see BENCHMARKS.md).
        sa.Index(
            "ix_assignment_pledged_panelist",
            "panelist_id",
            sqlite_where=sa.text("pledge_confirmed_at IS NOT NULL"),
            postgresql_where=sa.text("pledge_confirmed_at IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    panelist_id: int = Field(foreign_key="panelist.id", index=True)
    draw_round: int = 0  # 0 for the first draw, n for the n-th replacement
    state: AssignmentState = Field(default=AssignmentState.PENDING, sa_type=sa.String(16))
    link_nonce: str = Field(sa_type=sa.String(32))
    deadline: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    # When the reminder is due: fixed at seating with the deadline (see panel/windows.py).
    remind_at: datetime | None = _ts()
    vote: VoteChoice | None = Field(default=None, sa_type=sa.String(16))
    opinion: str | None = Field(default=None, sa_type=sa.Text())
    recusal_reason: str | None = Field(default=None, sa_type=sa.Text())
    created_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    first_opened_at: datetime | None = _ts()
    pledge_confirmed_at: datetime | None = _ts()
    voted_at: datetime | None = _ts()
    closed_at: datetime | None = _ts()
    # The vote's seal (record/seals.py), public at once; its salt opens it at the decision.
    seal: str | None = Field(default=None, sa_type=sa.String(64))
    seal_salt: str | None = Field(default=None, sa_type=sa.String(32))
    # Why the seat was given up or closed (SeatReason); None while pending or voted.
    closed_reason: SeatReason | None = Field(default=None, sa_type=sa.String(32))


# Append-only record of every step, in hash chains: one per appeal, one for membership;
# see audit.py.
class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (sa.UniqueConstraint("chain", "seq", name="uq_audit_event_chain_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(sa_type=sa.String(40))  # "appeal:<id>", "membership" or "legacy"
    seq: int  # 1, 2, 3, ... within the chain
    at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    kind: AuditKind = Field(sa_type=sa.String(32), index=True)
    appeal_id: int | None = Field(default=None, foreign_key="appeal.id", index=True)
    actor: str = Field(sa_type=sa.String(100))
    data: str = Field(sa_type=sa.Text())  # canonical JSON, hashed as stored
    prev_hash: str = Field(sa_type=sa.String(64))
    hash: str = Field(sa_type=sa.String(64), unique=True)


# One day's secret for draw seeds: its SHA-256 is published when committed, days ahead of
# any appeal it seeds; the secret itself once the day is over (record/epochs.py).
class DrawEpoch(SQLModel, table=True):
    __tablename__ = "draw_epoch"

    day: date = Field(primary_key=True)  # a calendar day in PANEL_TIMEZONE
    secret: str = Field(sa_type=sa.String(64))  # hex; read only to seed draws until revealed
    commitment: str = Field(sa_type=sa.String(64), unique=True)
    committed_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    revealed_at: datetime | None = _ts()


# A signed statement of every audit chain's length and head at one moment (RFC 9162 style
# Merkle root over the chains); ``changed`` lists the chains that moved since the previous
# one, so the full list at any checkpoint is the fold of those before it.
class AuditCheckpoint(SQLModel, table=True):
    __tablename__ = "audit_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    size: int  # chains covered
    root: str = Field(sa_type=sa.String(64))
    changed: str = Field(sa_type=sa.Text())  # JSON [[chain, length, head], ...]
    key_id: str = Field(sa_type=sa.String(16))
    signature: str = Field(sa_type=sa.String(128))


# Every chain's length and head as of the latest checkpoint (only the checkpoint writer
# touches it; ``panel audit verify`` checks it against the signed root).
class CheckpointHead(SQLModel, table=True):
    __tablename__ = "audit_checkpoint_head"

    chain: str = Field(sa_type=sa.String(40), primary_key=True)
    length: int
    head_hash: str = Field(sa_type=sa.String(64))


# The head of one audit chain: its length and last hash. The row is the chain's lock.
class AuditChain(SQLModel, table=True):
    __tablename__ = "audit_chain"

    name: str = Field(sa_type=sa.String(40), primary_key=True)
    length: int = 0
    head_hash: str = Field(sa_type=sa.String(64))


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
    claimed_until: datetime | None = _ts()
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
    sent_at: datetime | None = _ts()
    delivered_at: datetime | None = _ts()
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)
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


# How one SMS provider has been answering, shared by every worker and shown to admins:
# a provider put aside (``down_until``) is skipped and texts go to the next one.
class SmsProviderHealth(SQLModel, table=True):
    __tablename__ = "sms_provider_health"

    name: str = Field(sa_type=sa.String(16), primary_key=True)
    consecutive_failures: int = 0
    down_until: datetime | None = _ts()
    # "transient" (too many failures in a row) or "account" (balance, template, keys...).
    fault: str | None = Field(default=None, sa_type=sa.String(16))
    last_error: str | None = Field(default=None, sa_type=sa.Text())
    last_failure_at: datetime | None = _ts()
    last_success_at: datetime | None = _ts()
    updated_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)


# A person who signs in: an administrator, hotline staff, or a department's officer.
class User(SQLModel, table=True):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_type=sa.String(64), unique=True, index=True)
    display_name: str = Field(sa_type=sa.String(100))
    password_hash: str = Field(sa_type=sa.String(255))
    role: Role = Field(sa_type=sa.String(16))
    # Set for (and only for) department users: the one department whose appeals they see.
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)
    last_login_at: datetime | None = _ts()
    # Rides in the session cookie with the id; bumped on logout, a new password and a change
    # of status, so every cookie issued before no longer signs anyone in (views/auth.py).
    session_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


# A bearer key for the hotline platform; only the SHA-256 of the key is stored.
class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(64), unique=True)
    key_hash: str = Field(sa_type=sa.String(64), unique=True, index=True)
    prefix: str = Field(sa_type=sa.String(16))  # the key's first characters, to recognise it
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)
    last_used_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()


# The first answer to a POST made with an Idempotency-Key, replayed to retries.
class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("api_key_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    key: str = Field(sa_type=sa.String(100))
    request_hash: str = Field(sa_type=sa.String(64))  # a retry must send the same body
    status_code: int
    body: str = Field(sa_type=sa.Text())
    created_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)


# A file attached to an appeal; the bytes live under PANEL_ATTACHMENT_DIR, not static/.
class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # What URLs name the file by: random, so one link tells nothing about the next file.
    public_id: str = Field(
        default_factory=new_public_id, sa_type=sa.String(32), unique=True, index=True
    )
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    filename: str = Field(sa_type=sa.String(200))  # as uploaded, for display only
    content_type: str = Field(sa_type=sa.String(50))  # sniffed from the content
    size: int
    sha256: str = Field(sa_type=sa.String(64))
    storage_name: str = Field(sa_type=sa.String(80), unique=True)
    uploaded_by: str = Field(sa_type=sa.String(100))
    created_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
