"""work orders: one spelling, one department; existing duplicates reported, never deleted

``work_order`` holds each work order's department (appeals/ownership.py). It is filled from
the appeals already filed: a work order all of whose appeals came from one department is
registered to it; one appealed by several departments is left unregistered and reported,
for the hotline to settle (``PUT /api/v1/work-orders/{number}``).

Work-order numbers are stored in their canonical spelling from now on
(appeals/work_order_numbers.py). Existing appeals are brought to it where that is safe: a
withdrawn appeal always (its number only links a resubmission to it); of a work order's
live appeals, the oldest, when none holds the canonical spelling already, so that a new
appeal in any spelling meets it. Any further live appeal of the same work order is a
duplicate: it keeps its spelling and is logged, as are spellings that imitate a number
(Cyrillic letters, Arabic-Indic digits); nothing is deleted and no appeal changes status.
``flask --app wsgi panel appeals duplicates`` prints the same report later.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 16:00:00
"""

import logging

import sqlalchemy as sa
from alembic import op

from panel_service.appeals import duplicates, work_order_numbers

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

log = logging.getLogger("panel_service.migrations.0010")

LIVE = ("drawing", "open", "stalled", "decided")
HOTLINE_ACTORS = ("api:", "staff:", "cli", "seed")  # who spoke for the hotline before 0010

appeal = sa.table(
    "appeal",
    sa.column("id", sa.Integer()),
    sa.column("reference", sa.String()),
    sa.column("work_order_no", sa.String()),
    sa.column("department_id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("submitted_by", sa.String()),
    sa.column("submitted_at", sa.DateTime()),
)
department = sa.table("department", sa.column("id", sa.Integer()), sa.column("code", sa.String()))
work_order = sa.table(
    "work_order",
    sa.column("number", sa.String()),
    sa.column("department_id", sa.Integer()),
    sa.column("source", sa.String()),
    sa.column("registered_by", sa.String()),
    sa.column("registered_at", sa.DateTime()),
)


def _canonical(text: str) -> str | None:
    try:
        return work_order_numbers.canonical(text)
    except work_order_numbers.NotAWorkOrder:
        return None


def _by_number(rows) -> dict[str, list]:
    """The appeals of each work order, by its canonical number (unreadable ones left out)."""
    groups: dict[str, list] = {}
    for row in rows:
        number = _canonical(row.work_order_no)
        if number is not None:
            groups.setdefault(number, []).append(row)
    return groups


def _respell(bind, rows) -> None:
    """Bring each work order's appeals to the canonical spelling where it is safe."""
    for number, group in _by_number(rows).items():
        live = [r for r in group if r.status in LIVE]
        keep = {r.id for r in live}
        if live and not any(r.work_order_no == number for r in live):
            keep.discard(min(live, key=lambda r: r.id).id)  # the oldest live one meets new ones
        for row in group:
            if row.id not in keep and row.work_order_no != number:
                log.warning("appeal %s: work order %a is now spelled %s",
                            row.reference, row.work_order_no, number)  # fmt: skip
                bind.execute(
                    appeal.update().where(appeal.c.id == row.id).values(work_order_no=number)
                )


def _register(bind, rows) -> None:
    """Register each work order appealed by one department only to that department."""
    for number, group in _by_number(rows).items():
        if len({r.department_id for r in group}) != 1:
            continue  # reported below, for the hotline to settle
        first = min(group, key=lambda r: r.id)
        hotline = any(r.submitted_by.startswith(HOTLINE_ACTORS) for r in group)
        bind.execute(
            work_order.insert().values(
                number=number, department_id=first.department_id,
                source="hotline" if hotline else "department",
                registered_by=first.submitted_by, registered_at=first.submitted_at,
            )
        )  # fmt: skip


def _rows(bind):
    return bind.execute(
        sa.select(appeal, department.c.code)
        .join(department, department.c.id == appeal.c.department_id)
        .order_by(appeal.c.id)
    ).all()


def upgrade() -> None:
    op.create_table(
        "work_order",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_work_order_department_id", "work_order", ["department_id"])
    bind = op.get_bind()
    rows = _rows(bind)
    _register(bind, rows)
    _respell(bind, rows)
    found = duplicates.report([
        duplicates.Filed(r.id, r.reference, r.work_order_no, r.code, r.status) for r in rows
    ])  # fmt: skip
    for line in duplicates.lines(found):
        log.warning("%s", line)
    for row in rows:
        if _canonical(row.work_order_no) is None:
            log.warning("appeal %s: %a is not a work order number (A-Z, 0-9)",
                        row.reference, row.work_order_no)  # fmt: skip


def downgrade() -> None:
    # The canonical spellings stay: they are the same work orders.
    op.drop_index("ix_work_order_department_id", table_name="work_order")
    op.drop_table("work_order")
