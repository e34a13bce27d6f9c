"""index of the seats on which a panelist took the pledge

Every link page asks whether the panelist has ever confirmed the pledge; with only the
panelist_id index that reads every past seat of the panelist (about 29,000 each with
1,000,000 assignments). The partial index holds one row per panelist. See BENCHMARKS.md.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 14:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WHERE = sa.text("pledge_confirmed_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_assignment_pledged_panelist",
        "assignment",
        ["panelist_id"],
        unique=False,
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_assignment_pledged_panelist", table_name="assignment")
