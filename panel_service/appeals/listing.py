"""Finding appeals: filtered pages for people, cursor pages for the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from ..enums import AppealStatus
from ..models import Appeal, Department
from . import work_order_numbers


@dataclass
class AppealFilter:
    status: AppealStatus | None = None
    department_id: int | None = None
    submitted_from: datetime | None = None  # inclusive
    submitted_before: datetime | None = None  # exclusive
    text: str | None = None  # part of the reference or the work-order number


@dataclass
class Page:
    items: list[Appeal]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(f: AppealFilter) -> list:
    conditions = []
    if f.status is not None:
        conditions.append(Appeal.status == f.status)
    if f.department_id is not None:
        conditions.append(Appeal.department_id == f.department_id)
    if f.submitted_from is not None:
        conditions.append(Appeal.submitted_at >= f.submitted_from)
    if f.submitted_before is not None:
        conditions.append(Appeal.submitted_at < f.submitted_before)
    if f.text:
        pattern = f"%{_escape_like(f.text.strip().upper())}%"
        matches = [
            func.upper(Appeal.reference).like(pattern, escape="\\"),
            func.upper(Appeal.work_order_no).like(pattern, escape="\\"),
        ]
        # Work orders are stored canonical: match what was typed in that spelling too.
        number = work_order_numbers.folded(f.text)
        if number:
            matches.append(Appeal.work_order_no.like(f"%{_escape_like(number)}%", escape="\\"))
        conditions.append(or_(*matches))
    return conditions


def find_appeals(
    *, session: Session, filters: AppealFilter, page: int = 1, per_page: int = 20
) -> Page:
    """One page of matching appeals, newest first."""
    conditions = _conditions(filters)
    total = session.exec(select(func.count()).select_from(Appeal).where(*conditions)).one()
    page = max(1, page)
    items = session.exec(
        select(Appeal)
        .where(*conditions)
        .order_by(col(Appeal.submitted_at).desc(), col(Appeal.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)


def appeals_after(
    *, session: Session, filters: AppealFilter, after_id: int, limit: int
) -> tuple[list[Appeal], int | None]:
    """Up to ``limit`` appeals with ids above ``after_id``, oldest first, and the next cursor.

    Ids only grow, so a cursor stays valid however many appeals are added meanwhile.
    """
    rows = session.exec(
        select(Appeal)
        .where(*_conditions(filters), Appeal.id > after_id)
        .order_by(Appeal.id)
        .limit(limit + 1)
    ).all()
    items = list(rows[:limit])
    return items, (items[-1].id if len(rows) > limit else None)


def departments(*, session: Session) -> list[Department]:
    return list(session.exec(select(Department).order_by(Department.code)).all())


def department_by_code(*, session: Session, code: str) -> Department | None:
    return session.exec(select(Department).where(Department.code == code)).first()


def appeal_by_reference(*, session: Session, reference: str) -> Appeal | None:
    return session.exec(select(Appeal).where(Appeal.reference == reference)).first()


def count_with_status(*, session: Session, status: AppealStatus) -> int:
    """How many appeals are in ``status`` (staff are told about stalled ones)."""
    return session.exec(
        select(func.count()).select_from(Appeal).where(Appeal.status == status)
    ).one()


def references(*, session: Session, appeal_ids) -> dict[int, str]:
    """Appeal references by id, for the given ids."""
    ids = {i for i in appeal_ids if i}
    if not ids:
        return {}
    return dict(
        session.exec(select(Appeal.id, Appeal.reference).where(col(Appeal.id).in_(ids))).all()
    )
