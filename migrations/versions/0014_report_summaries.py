"""indexes for the statistics; the fairness report's summary of each first draw

``ix_appeal_submitted_at`` lets the statistics count a period's appeals between local
month bounds (200,000 appeals were read one by one to be labelled: 1.4 s on SQLite), and
``ix_assignment_created_at_state`` count how its seats ended from the index alone.

``fairness_pool``, ``fairness_draw`` and ``fairness_pick`` keep each first draw's pool
(once per distinct pool) and picks beside its ``panel.drawn`` event, so the fairness report
over years of draws sums rows instead of parsing every event (31.6 s for 200,000 draws).
They are filled here from the events already recorded, by the function the draw uses for
new ones (``record.draw_summary``): 17 s for 200,000 draws on SQLite. See BENCHMARKS.md.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 14:00:00
"""

import sqlalchemy as sa
from alembic import op

import panel_service.timeutil
from panel_service.record import draw_summary

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fairness_pool",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.Column("panel_size", sa.Integer(), nullable=False),
        sa.Column("government_quota", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_table(
        "fairness_draw",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("at", panel_service.timeutil.UTCDateTime(), nullable=False),
        sa.Column("pool", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeal.id"]),
        sa.ForeignKeyConstraint(["pool"], ["fairness_pool.digest"]),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_fairness_draw_appeal_id", "fairness_draw", ["appeal_id"], unique=False)
    op.create_index("ix_fairness_draw_at_pool", "fairness_draw", ["at", "pool"], unique=False)
    op.create_table(
        "fairness_pick",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("panelist_id", sa.Integer(), nullable=False),
        sa.Column("at", panel_service.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["fairness_draw.event_id"]),
        sa.PrimaryKeyConstraint("event_id", "panelist_id"),
    )
    op.create_index(
        "ix_fairness_pick_at_panelist", "fairness_pick", ["at", "panelist_id"], unique=False
    )
    op.create_index("ix_appeal_submitted_at", "appeal", ["submitted_at"], unique=False)
    op.create_index(
        "ix_assignment_created_at_state", "assignment", ["created_at", "state"], unique=False
    )
    draw_summary.backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_assignment_created_at_state", table_name="assignment")
    op.drop_index("ix_appeal_submitted_at", table_name="appeal")
    op.drop_index("ix_fairness_pick_at_panelist", table_name="fairness_pick")
    op.drop_table("fairness_pick")
    op.drop_index("ix_fairness_draw_at_pool", table_name="fairness_draw")
    op.drop_index("ix_fairness_draw_appeal_id", table_name="fairness_draw")
    op.drop_table("fairness_draw")
    op.drop_table("fairness_pool")
