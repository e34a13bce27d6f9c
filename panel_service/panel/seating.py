"""Who may sit on an appeal, and whether a seat may still act: the rules, read-only.

The lifecycle applies them when it changes a seat; the outbox, the link pages and the
worker's sweep read them to decide what to send, show or re-check.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, or_, select

from ..enums import AppealStatus, AssignmentState, PanelistCategory, PassOver, Refusal, SeatReason
from ..models import Appeal, Assignment, Panelist
from ..timeutil import local_date

SEAT_STATES = (AssignmentState.PENDING, AssignmentState.VOTED)


def refusal(appeal: Appeal, seat: Assignment, now: datetime) -> Refusal | None:
    """Why this seat cannot vote or step aside now, or None while it can."""
    if appeal.status == AppealStatus.WITHDRAWN:
        return Refusal.WITHDRAWN
    if now >= seat.deadline:
        return Refusal.EXPIRED
    if seat.state == AssignmentState.VOTED:
        return Refusal.ALREADY_VOTED
    if appeal.status == AppealStatus.DECIDED:
        return Refusal.DECIDED
    if appeal.status != AppealStatus.OPEN or seat.state != AssignmentState.PENDING:
        return Refusal.CLOSED
    return None


def _eligible(*columns):
    today, department_id = sa.bindparam("today"), sa.bindparam("department_id")
    return (
        select(*columns)
        .where(
            Panelist.active,
            Panelist.term_start <= today,
            Panelist.term_end >= today,
            col(Panelist.pledge_signed_on).is_not(None),
            Panelist.pledge_signed_on <= today,
            col(Panelist.mobile_failing_since).is_(None),
            or_(col(Panelist.affiliation_id).is_(None), Panelist.affiliation_id != department_id),
        )
        .order_by(Panelist.id)
    )


_ELIGIBLE = _eligible(Panelist)
# What a draw takes from the pool: each member's id and category. Two columns through Core,
# not 35 Panelist objects (bench/writes.py: a third of a draw's CPU went to building them).
_POOL = _eligible(col(Panelist.id), col(Panelist.category))


def eligible_panelists(*, session: Session, department_id: int, on: datetime) -> list[Panelist]:
    """Panelists who may sit on an appeal by this department, ordered by id."""
    params = {"today": local_date(on), "department_id": department_id}
    return list(session.exec(_ELIGIBLE, params=params).all())


def eligible_pool(*, session: Session, department_id: int, on: datetime) -> list[tuple[int, str]]:
    """``eligible_panelists`` as the draw publishes them: ``(id, category)``, by id."""
    params = {"today": local_date(on), "department_id": department_id}
    return [(pid, str(category)) for pid, category in session.connection().execute(_POOL, params)]


def ineligibility(panelist: Panelist, *, department_id: int, on: datetime) -> PassOver | None:
    """Why this panelist may not take a new seat on the appeal now, or None."""
    today = local_date(on)
    if not panelist.active:
        return PassOver.INACTIVE
    if not panelist.term_start <= today <= panelist.term_end:
        return PassOver.OUT_OF_TERM
    if panelist.pledge_signed_on is None or panelist.pledge_signed_on > today:
        return PassOver.NO_PLEDGE
    if panelist.mobile_failing_since is not None:
        return PassOver.MOBILE_FAILING
    if panelist.affiliation_id == department_id:
        return PassOver.CONFLICT
    return None


def holder_problem(panelist: Panelist, *, department_id: int) -> SeatReason | None:
    """Why a member holding a pending seat may no longer keep it, or None.

    A term that ends while the seat is held is not one: the member was in term when
    seated and serves out the appeal (README, "Membership changes and open seats").
    """
    if not panelist.active:
        return SeatReason.INACTIVE
    if panelist.pledge_signed_on is None:
        return SeatReason.NO_PLEDGE
    if panelist.mobile_failing_since is not None:
        return SeatReason.MOBILE_FAILING
    if panelist.affiliation_id == department_id:
        return SeatReason.CONFLICT
    return None


def is_government(panelist: Panelist) -> bool:
    return panelist.category == PanelistCategory.GOVERNMENT


def seated(*, session: Session, appeal_id: int) -> list[Assignment]:
    """Assignments currently holding a seat (pending or voted)."""
    return list(
        session.exec(
            select(Assignment).where(
                Assignment.appeal_id == appeal_id, col(Assignment.state).in_(SEAT_STATES)
            )
        ).all()
    )
