"""The record: audit events and their chains, draw epochs, signed checkpoints."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..enums import AuditKind
from ..timeutil import UTCDateTime
from .columns import timestamp


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


# The head of one audit chain: its length and last hash. The row is the chain's lock.
class AuditChain(SQLModel, table=True):
    __tablename__ = "audit_chain"

    name: str = Field(sa_type=sa.String(40), primary_key=True)
    length: int = 0
    head_hash: str = Field(sa_type=sa.String(64))


# One day's secret for draw seeds: its SHA-256 is published when committed, days ahead of
# any appeal it seeds; the secret itself once the day is over (record/epochs.py).
class DrawEpoch(SQLModel, table=True):
    __tablename__ = "draw_epoch"

    day: date = Field(primary_key=True)  # a calendar day in PANEL_TIMEZONE
    secret: str = Field(sa_type=sa.String(64))  # hex; read only to seed draws until revealed
    commitment: str = Field(sa_type=sa.String(64), unique=True)
    committed_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    revealed_at: datetime | None = timestamp()


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


# A pool a first draw was made from, once however many draws shared it: who was eligible
# with their categories, and the panel's size and quota, which is all a draw's chances
# depend on. Keyed by the SHA-256 of those (panel/fairness_summary.py).
class FairnessPool(SQLModel, table=True):
    __tablename__ = "fairness_pool"

    digest: str = Field(sa_type=sa.String(64), primary_key=True)
    members: str = Field(sa_type=sa.Text())  # JSON [[id, category], ...] as the draw published
    panel_size: int
    government_quota: int


# A first draw as the fairness report counts it (a resubmission's continuation is none),
# written with its ``panel.drawn`` event, so that the report over years of draws sums these
# rows instead of parsing every event; revision 0014 wrote them for the draws before it.
class FairnessDraw(SQLModel, table=True):
    __tablename__ = "fairness_draw"
    __table_args__ = (sa.Index("ix_fairness_draw_at_pool", "at", "pool"),)

    # The draw event's id, with no foreign key: the summary never stands in the way of
    # anything done to the events; ``panel audit verify`` compares the two.
    event_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime(), nullable=False)  # the event's
    pool: str = Field(sa_type=sa.String(64), foreign_key="fairness_pool.digest")


# Who a first draw seated; ``at`` is the draw's, so a period's picks are counted from the
# index alone.
class FairnessPick(SQLModel, table=True):
    __tablename__ = "fairness_pick"
    __table_args__ = (sa.Index("ix_fairness_pick_at_panelist", "at", "panelist_id"),)

    event_id: int = Field(foreign_key="fairness_draw.event_id", primary_key=True)
    panelist_id: int = Field(primary_key=True)  # as the event names them
    at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
