"""indexes for the statistics over years of appeals

``ix_appeal_submitted_at`` lets the statistics count a period's appeals between local
month bounds (200,000 appeals were read one by one to be labelled: 1.4 s on SQLite), and
``ix_assignment_created_at_state`` count how its seats ended from the index alone. See
BENCHMARKS.md.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 14:00:00
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_appeal_submitted_at", "appeal", ["submitted_at"], unique=False)
    op.create_index(
        "ix_assignment_created_at_state", "assignment", ["created_at", "state"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_assignment_created_at_state", table_name="assignment")
    op.drop_index("ix_appeal_submitted_at", table_name="appeal")
