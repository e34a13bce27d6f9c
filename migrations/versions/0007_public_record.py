"""draw epochs committed ahead, sealed votes, signed checkpoints, resubmission links

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:00:00
"""

import sqlalchemy as sa
from alembic import op

import panel_service.timeutil

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draw_epoch",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("committed_at", panel_service.timeutil.UTCDateTime(), nullable=False),
        sa.Column("revealed_at", panel_service.timeutil.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("day"),
        sa.UniqueConstraint("commitment"),
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", panel_service.timeutil.UTCDateTime(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("changed", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_checkpoint_head",
        sa.Column("chain", sa.String(length=40), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    with op.batch_alter_table("appeal") as batch_op:
        batch_op.add_column(sa.Column("predecessor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("epoch_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("beacon_round", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("beacon_randomness", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            "fk_appeal_predecessor_id_appeal", "appeal", ["predecessor_id"], ["id"]
        )
    with op.batch_alter_table("assignment") as batch_op:
        batch_op.add_column(sa.Column("seal", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("seal_salt", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assignment") as batch_op:
        batch_op.drop_column("seal_salt")
        batch_op.drop_column("seal")
    with op.batch_alter_table("appeal") as batch_op:
        batch_op.drop_constraint("fk_appeal_predecessor_id_appeal", type_="foreignkey")
        batch_op.drop_column("beacon_randomness")
        batch_op.drop_column("beacon_round")
        batch_op.drop_column("epoch_day")
        batch_op.drop_column("predecessor_id")
    op.drop_table("audit_checkpoint_head")
    op.drop_table("audit_checkpoint")
    op.drop_table("draw_epoch")
