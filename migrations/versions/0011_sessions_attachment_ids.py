"""sessions end on the server; attachments are named by a random id in URLs

``app_user.session_generation`` rides in the session cookie with the user's id and is bumped
on logout, a new password and a change of status, so a cookie captured before no longer
signs anyone in (it used to carry the tail of the password hash). ``attachment.public_id``
is what download URLs name a file by; rows kept before this revision get one each.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 16:00:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "app_user",
        sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("attachment", sa.Column("public_id", sa.String(length=32), nullable=True))
    bind = op.get_bind()
    attachment = sa.table(
        "attachment", sa.column("id", sa.Integer()), sa.column("public_id", sa.String())
    )
    for (ident,) in bind.execute(sa.select(attachment.c.id)).all():
        bind.execute(
            attachment.update()
            .where(attachment.c.id == ident)
            .values(public_id=secrets.token_urlsafe(16))
        )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index(batch_op.f("ix_attachment_public_id"), ["public_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_public_id"))
        batch_op.drop_column("public_id")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
