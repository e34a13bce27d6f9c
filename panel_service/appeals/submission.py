"""Submitting an appeal: its fields checked, its row stored, its panel drawn."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..enums import LIVE_APPEAL_STATUSES, AppealStatus, AuditKind, Refusal, WorkOrderSource
from ..models import Appeal, Department
from ..panel import lifecycle
from ..panel.windows import seat_window
from ..record import audit
from ..refusals import Invalid, Refused
from ..rules import PanelRules
from ..text import clean_text
from ..timeutil import local_date
from . import ownership, work_order_numbers

# Field limits shared by the form, the API and the CLI (the work order's number has its
# own rule: appeals/work_order_numbers.py).
TEXT_LIMITS = {
    "citizen_request": (1, 5000),
    "department_reply": (1, 5000),
    "appeal_reason": (1, 5000),
    "policy_basis": (1, 5000),
}
REPEAT_CALLS_RANGE = (2, 999)  # "一人多次": a repeat caller has called at least twice


class AppealInvalid(Invalid):
    """Field-by-field problems with an appeal's input."""


class DuplicateAppeal(Refused):
    """The work order already has a live appeal (named only to those who may see it)."""

    def __init__(self, reference: str | None):
        super().__init__(Refusal.DUPLICATE_APPEAL, reference=reference)
        self.reference = reference


@dataclass
class AppealInput:
    work_order_no: str
    department: str  # department code
    citizen_request: str
    department_reply: str
    appeal_reason: str
    policy_basis: str
    repeat_calls: int | str


def validate(*, session: Session, data: AppealInput) -> tuple[Department, dict]:
    """Check every field; return the department and cleaned values or raise AppealInvalid."""
    errors: dict[str, Refusal] = {}
    cleaned: dict = {}
    try:
        cleaned["work_order_no"] = work_order_numbers.canonical(data.work_order_no)
    except work_order_numbers.NotAWorkOrder as refused:
        errors["work_order_no"] = refused.code
    for name, (low, high) in TEXT_LIMITS.items():
        raw = getattr(data, name)
        value = clean_text(raw) if isinstance(raw, str) else None
        if not value:
            errors[name] = Refusal.REQUIRED
        elif len(raw) > high or len(value) < low:  # the limit is on what was sent
            errors[name] = Refusal.TOO_LONG
        elif "\x00" in value:
            errors[name] = Refusal.NULL_CHARACTER
        else:
            cleaned[name] = value
    try:
        repeat = int(data.repeat_calls)
        if isinstance(data.repeat_calls, bool):
            raise ValueError
    except (TypeError, ValueError):
        errors["repeat_calls"] = Refusal.NOT_A_WHOLE_NUMBER
    else:
        low, high = REPEAT_CALLS_RANGE
        if not low <= repeat <= high:
            errors["repeat_calls"] = Refusal.OUT_OF_RANGE
        cleaned["repeat_calls"] = repeat
    department = None
    if not isinstance(data.department, str) or not data.department.strip():
        errors["department"] = Refusal.REQUIRED
    elif "\x00" in data.department:  # PostgreSQL refuses even to compare with it
        errors["department"] = Refusal.NULL_CHARACTER
    else:
        department = session.exec(
            select(Department).where(Department.code == data.department.strip())
        ).first()
        if department is None:
            errors["department"] = Refusal.UNKNOWN_DEPARTMENT
    if errors:
        raise AppealInvalid(errors)
    return department, cleaned


# Every appeal of one work order, oldest first: the live one and the withdrawn predecessor
# in one look-up, on ix_appeal_work_order_no (tests/appeals/test_work_order_lookup.py).
APPEALS_OF = (
    select(Appeal).where(Appeal.work_order_no == sa.bindparam("number")).order_by(col(Appeal.id))
)


def appeals_of(*, session: Session, work_order_no: str) -> list[Appeal]:
    """Every appeal of the work order (``work_order_no`` in its canonical spelling), oldest
    first."""
    return list(session.exec(APPEALS_OF, params={"number": work_order_no}))


def live_appeal_for(*, session: Session, work_order_no: str) -> Appeal | None:
    """The work order's live appeal (``work_order_no`` in its canonical spelling), if any."""
    return session.exec(
        select(Appeal).where(
            Appeal.work_order_no == work_order_no, col(Appeal.status).in_(LIVE_APPEAL_STATUSES)
        )
    ).first()


def create_appeal(
    *,
    session: Session,
    data: AppealInput,
    submitted_by: str,
    rules: PanelRules,
    now: datetime,
    source: WorkOrderSource = WorkOrderSource.DEPARTMENT,
) -> Appeal:
    """Store an appeal, draw its panel and queue the invitations in the caller's transaction.

    A work order withdrawn before is linked to its predecessor, whose draw it continues.
    With a public beacon the appeal waits, ``drawing``, for the worker to draw it. Raises
    AppealInvalid, WorkOrderElsewhere, DuplicateAppeal, NotEnoughPanelists or
    EpochNotCommitted; the caller then rolls back.

    ``source`` says who vouches for the department: the hotline (the API, staff), or the
    department itself, whose first appeal claims the work order and who is never told
    another department's appeal reference.
    """
    department, values = validate(session=session, data=data)
    ownership.claim(
        session=session, number=values["work_order_no"], department=department,
        source=source, actor=submitted_by, now=now,
    )  # fmt: skip
    earlier = appeals_of(session=session, work_order_no=values["work_order_no"])
    existing = next((a for a in earlier if a.status in LIVE_APPEAL_STATUSES), None)
    if existing is not None:
        mine = source == WorkOrderSource.HOTLINE or existing.department_id == department.id
        raise DuplicateAppeal(existing.reference if mine else None)
    withdrawn = [a for a in earlier if a.status == AppealStatus.WITHDRAWN]
    predecessor = withdrawn[-1] if withdrawn else None
    appeal = Appeal(
        # A unique placeholder until the id is known; the reference is derived from the id.
        reference=f"tmp-{secrets.token_hex(6)}",
        predecessor_id=predecessor.id if predecessor else None,
        department_id=department.id,
        submitted_by=submitted_by,
        submitted_at=now,
        # The first panel's deadline (panel/windows.py); substitutes may extend it.
        deadline=seat_window(session=session, rules=rules, now=now).deadline,
        **values,
    )
    session.add(appeal)
    try:
        # No savepoint: the caller rolls back on any refusal (a savepoint here never held
        # the INSERT anyway; begin_nested flushed it before).
        session.flush()
    except sa.exc.IntegrityError:
        # Lost a race with a concurrent submission for the same work order.
        raise DuplicateAppeal(None) from None
    # Written with the draw's changes to the row, in one UPDATE (lifecycle.draw_panel).
    appeal.reference = f"AP-{local_date(now).year}-{appeal.id:06d}"
    audit.begin_chain(session=session, appeal_id=appeal.id)
    audit.record(
        session=session,
        kind=AuditKind.APPEAL_CREATED,
        actor=submitted_by,
        appeal_id=appeal.id,
        now=now,
        data={
            "reference": appeal.reference,
            "work_order_no": appeal.work_order_no,
            "department": department.code,
            "deadline": appeal.deadline.isoformat(),
            "predecessor": predecessor.reference if predecessor else None,
        },
    )
    lifecycle.start(session=session, appeal=appeal, rules=rules, now=now)
    return appeal
