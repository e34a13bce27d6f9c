"""index of the appeals by work order

Every submission looks up the work order's live appeal and its withdrawn predecessor; the
partial unique index (status != 'withdrawn') serves neither query, so each scanned every
past appeal: the API appeal cost 4.4 times as much with 200,000 past appeals. See
BENCHMARKS.md.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-01 15:55:00
"""

from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_appeal_work_order_no", "appeal", ["work_order_no"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_appeal_work_order_no", table_name="appeal")
