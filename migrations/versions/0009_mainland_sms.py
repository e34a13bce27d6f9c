"""mainland SMS: the provider of each text, providers' health, calendar overrides, reminders

Each SMS records the provider that took it (``provider``) and the provider whose answer
never came (``unconfirmed_provider``, asked before anyone sends the text again). Every
worker shares ``sms_provider_health``. ``calendar_override`` holds the days admins set as a
holiday or a working day. A seat's reminder time is fixed at seating, with its deadline
(``assignment.remind_at``); seats taken before this revision keep the old rule, 24 hours
before their deadline.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox_message", sa.Column("provider", sa.String(length=16), nullable=True))
    op.add_column(
        "outbox_message", sa.Column("unconfirmed_provider", sa.String(length=16), nullable=True)
    )
    op.add_column("assignment", sa.Column("remind_at", sa.DateTime(), nullable=True))
    op.create_table(
        "calendar_override",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("workday", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "sms_provider_health",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("down_until", sa.DateTime(), nullable=True),
        sa.Column("fault", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # Seats already taken keep the rule they were seated under: 24 hours before the deadline.
    bind = op.get_bind()
    assignment = sa.table(
        "assignment",
        sa.column("id", sa.Integer()),
        sa.column("deadline", sa.DateTime()),
        sa.column("remind_at", sa.DateTime()),
    )
    rows = bind.execute(sa.select(assignment.c.id, assignment.c.deadline)).all()
    from datetime import timedelta

    for seat_id, deadline in rows:
        bind.execute(
            assignment.update()
            .where(assignment.c.id == seat_id)
            .values(remind_at=deadline - timedelta(hours=24))
        )


def downgrade() -> None:
    op.drop_table("sms_provider_health")
    op.drop_table("calendar_override")
    with op.batch_alter_table("assignment") as batch:
        batch.drop_column("remind_at")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("unconfirmed_provider")
        batch.drop_column("provider")
