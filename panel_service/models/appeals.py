"""The appeal and its panel: departments, work orders, panelists, appeals, seats, attachments."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..enums import (
    AppealStatus,
    AssignmentState,
    Decision,
    PanelistCategory,
    SeatReason,
    VoteChoice,
    WorkOrderSource,
)
from ..timeutil import UTCDateTime, now
from .columns import new_public_id, timestamp


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
    mobile_failing_since: datetime | None = timestamp()
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
        # The statistics count a period's appeals per local month between month bounds.
        sa.Index("ix_appeal_submitted_at", "submitted_at"),
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
    decided_at: datetime | None = timestamp()
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
        # How a period's seats ended, counted from the index alone (the statistics).
        sa.Index("ix_assignment_created_at_state", "created_at", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    panelist_id: int = Field(foreign_key="panelist.id", index=True)
    draw_round: int = 0  # 0 for the first draw, n for the n-th replacement
    state: AssignmentState = Field(default=AssignmentState.PENDING, sa_type=sa.String(16))
    link_nonce: str = Field(sa_type=sa.String(32))
    deadline: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    # When the reminder is due: fixed at seating with the deadline (see panel/windows.py).
    remind_at: datetime | None = timestamp()
    vote: VoteChoice | None = Field(default=None, sa_type=sa.String(16))
    opinion: str | None = Field(default=None, sa_type=sa.Text())
    recusal_reason: str | None = Field(default=None, sa_type=sa.Text())
    created_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    first_opened_at: datetime | None = timestamp()
    pledge_confirmed_at: datetime | None = timestamp()
    voted_at: datetime | None = timestamp()
    closed_at: datetime | None = timestamp()
    # The vote's seal (record/seals.py), public at once; its salt opens it at the decision.
    seal: str | None = Field(default=None, sa_type=sa.String(64))
    seal_salt: str | None = Field(default=None, sa_type=sa.String(32))
    # Why the seat was given up or closed (SeatReason); None while pending or voted.
    closed_reason: SeatReason | None = Field(default=None, sa_type=sa.String(32))


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
