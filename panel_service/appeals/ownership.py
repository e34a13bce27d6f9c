"""Which department a work order belongs to: claimed once, checked on every appeal, moved
only by the hotline.

The hotline platform knows each work order's department and says so in every API appeal;
hotline staff pick it on their form. A department's own form can only speak for itself, so
the first appeal it files for an unknown work order claims that work order for it, and from
then on no other department can file one (nor learn which department holds it). A mistaken
claim is the hotline's to correct: ``move`` puts the work order under the right department,
withdraws the live appeal the wrong one filed, and audits the move on the membership chain.

Lock order: the work order's row comes before the appeal's (step 0 of panel/lifecycle).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from ..enums import LIVE_APPEAL_STATUSES, AppealStatus, AuditKind, Refusal, WorkOrderSource
from ..inserts import insert_unless_present
from ..models import Appeal, Department, WorkOrder
from ..panel.lifecycle import withdraw_appeal
from ..record import audit
from ..refusals import Invalid, Refused


class WorkOrderElsewhere(Refused):
    """The work order is registered to another department.

    ``department`` (its code) is for the hotline's eyes only; a department is never told.
    """

    def __init__(self, department: str):
        super().__init__(Refusal.WORK_ORDER_ELSEWHERE)
        self.department = department


def _locked(session: Session, number: str) -> WorkOrder | None:
    return session.exec(
        select(WorkOrder)
        .where(WorkOrder.number == number)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _register(
    session: Session, number: str, department: Department, source, actor: str, now: datetime
) -> WorkOrder:
    """The work order registered now under ``department``; or, if it is known already (or a
    concurrent first appeal registered it a moment ago), its row, locked."""
    created = session.scalars(
        insert_unless_present(session, WorkOrder, key="number")
        .values(number=number, department_id=department.id, source=source,
                registered_by=actor, registered_at=now)
        .returning(WorkOrder)
    ).first()  # fmt: skip
    return created if created is not None else _locked(session, number)


def claim(
    *,
    session: Session,
    number: str,
    department: Department,
    source: WorkOrderSource,
    actor: str,
    now: datetime,
) -> WorkOrder:
    """The work order under ``department`` (registered now if unknown), locked.

    Raises WorkOrderElsewhere when another department holds it; the hotline saying so
    confirms a department's own claim.
    """
    # Most appeals name a work order seen for the first time: try to register it first
    # (one statement, where a look-up, a savepoint and an insert took four).
    row = _register(session, number, department, source, actor, now)
    if row.department_id != department.id:
        holder = session.get(Department, row.department_id)
        raise WorkOrderElsewhere(holder.code)
    if source == WorkOrderSource.HOTLINE and row.source != WorkOrderSource.HOTLINE:
        row.source = WorkOrderSource.HOTLINE
        session.add(row)
    return row


def move(
    *,
    session: Session,
    number: str,
    department: Department,
    reason: str,
    actor: str,
    now: datetime,
) -> Appeal | None:
    """Put the work order under ``department`` for good, as the hotline says; audited.

    A live appeal another department filed for it is withdrawn (its panelists are told);
    one the panel has decided cannot be undone, so the move is refused. Returns the
    withdrawn appeal, if any. Raises Invalid (no reason) or Refused.
    """
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": Refusal.REQUIRED})
    row = _locked(session, number)
    if row is not None and row.department_id == department.id:
        return None  # already there: a retry changes nothing
    live = session.exec(
        select(Appeal).where(
            Appeal.work_order_no == number,
            col(Appeal.status).in_(LIVE_APPEAL_STATUSES),
            Appeal.department_id != department.id,
        )
    ).first()
    withdrawn = None
    if live is not None:
        if live.status == AppealStatus.DECIDED:
            raise Refused(Refusal.WORK_ORDER_DECIDED)
        withdraw_appeal(session=session, appeal=live, reason=reason, actor=actor, now=now)
        withdrawn = live
    before = session.get(Department, row.department_id).code if row is not None else None
    if row is None:
        row = _register(session, number, department, WorkOrderSource.HOTLINE, actor, now)
    row.department_id, row.source = department.id, WorkOrderSource.HOTLINE
    row.registered_by, row.registered_at, row.note = actor, now, reason
    session.add(row)
    audit.record(
        session=session,
        kind=AuditKind.WORK_ORDER_MOVED,
        actor=actor,
        now=now,
        # The reason stays on the row; the public record holds its digest.
        data={
            "work_order_no": number,
            "from": before,
            "department": department.code,
            "withdrawn": withdrawn.reference if withdrawn else None,
            "reason_sha256": audit.digest(reason),
        },
    )
    return withdrawn
