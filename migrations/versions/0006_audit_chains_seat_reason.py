"""one audit chain per appeal and one for membership; why a seat ended

Until now every event joined one global chain, appended under one lock that every vote
waited for. From here on each appeal's events form their own chain (appended under the
appeal's row lock) and events about members, users and keys form the membership chain.

The events recorded so far are kept as they are, hashes included, as the closed chain
``legacy``: each gets its position (``seq``, by id) and the chain's length and head are
recorded in ``audit_chain``, so ``panel audit verify`` still checks them with the formula
they were hashed with, and notices a deleted tail. Nothing is re-hashed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
# SQLite's unique constraints from 0001 are unnamed; batch mode names them to drop one.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    op.create_table(
        "audit_chain",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.add_column("audit_event", sa.Column("chain", sa.String(length=40), nullable=True))
    op.add_column("audit_event", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("assignment", sa.Column("closed_reason", sa.String(length=32), nullable=True))

    conn = op.get_bind()
    # Positions in the old chain follow the ids, the order it was verified in.
    conn.execute(
        sa.text(
            "UPDATE audit_event SET chain = 'legacy', seq = numbered.n FROM ("
            " SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM audit_event) AS numbered"
            " WHERE audit_event.id = numbered.id"
        )
    )
    length, head = conn.execute(
        sa.text(
            "SELECT COUNT(*), (SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1)"
            " FROM audit_event"
        )
    ).one()
    chains = sa.table(
        "audit_chain",
        sa.column("name", sa.String),
        sa.column("length", sa.Integer),
        sa.column("head_hash", sa.String),
    )
    rows = [{"name": "membership", "length": 0, "head_hash": GENESIS}]
    if length:
        rows.append({"name": "legacy", "length": length, "head_hash": head})
    op.bulk_insert(chains, rows)
    _backfill_closed_reasons(conn)

    if conn.dialect.name == "postgresql":
        op.drop_constraint("audit_event_prev_hash_key", "audit_event", type_="unique")
    with op.batch_alter_table("audit_event", naming_convention=NAMING) as batch_op:
        if conn.dialect.name == "sqlite":
            batch_op.drop_constraint("uq_audit_event_prev_hash", type_="unique")
        batch_op.alter_column("chain", existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_audit_event_chain_seq", ["chain", "seq"])


def _backfill_closed_reasons(conn) -> None:
    """Seats that ended before this revision: their reason, from the audit where it is."""
    import json

    for (data,) in conn.execute(
        sa.text("SELECT data FROM audit_event WHERE kind = 'panel.replacement'")
    ):
        step = json.loads(data)
        conn.execute(
            sa.text("UPDATE assignment SET closed_reason = :r WHERE id = :id"),
            {"r": str(step.get("reason"))[:32], "id": step.get("vacated")},
        )
    conn.execute(
        sa.text(
            "UPDATE assignment SET closed_reason = 'recused'"
            " WHERE state = 'recused' AND closed_reason IS NULL"
        )
    )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(
        sa.text("SELECT COUNT(*) FROM audit_event WHERE chain != 'legacy'")
    ).scalar():
        # Chains share genesis values; one global chain cannot hold them again.
        raise RuntimeError("events recorded since 0006 cannot be folded back into one chain")
    with op.batch_alter_table("audit_event", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint("uq_audit_event_chain_seq", type_="unique")
        batch_op.drop_column("seq")
        batch_op.drop_column("chain")
        batch_op.create_unique_constraint("audit_event_prev_hash_key", ["prev_hash"])
    with op.batch_alter_table("assignment") as batch_op:
        batch_op.drop_column("closed_reason")
    op.drop_table("audit_chain")
