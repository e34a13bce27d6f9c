"""The worker's sweep: remind non-voters, replace them after their deadline, and hand on
seats whose holders may no longer sit.

A *replacement round* is one deadline passing with non-responders on the appeal: every
seat that expired at that deadline is replaced together. After
``rules.max_replacement_rounds`` rounds, or when the candidate order runs out of eligible
panelists, the appeal is ``stalled`` for staff to resolve (``lifecycle.expire_seats``).

The sweep also finds pending seats whose holder may no longer keep them (suspended,
retired, a failing number, a conflict, the quota broken). Admin changes re-check the
member's seats at once; a draw that read a member just before such a change committed can
still seat them, and the sweep hands that seat on. Each function leaves the commit to the
caller; the worker runs one short transaction per appeal.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, or_, select

from ..enums import AppealStatus, AssignmentState, MessageKind, PanelistCategory
from ..messaging import outbox
from ..models import Appeal, Assignment, OutboxMessage, Panelist
from ..rules import PanelRules
from . import lifecycle


def _pending_on_open_appeals():
    return (
        select(Assignment)
        .join(Appeal, col(Appeal.id) == Assignment.appeal_id)
        .where(Appeal.status == AppealStatus.OPEN, Assignment.state == AssignmentState.PENDING)
    )


def _reminded(assignment_id: int):
    return select(OutboxMessage.id).where(
        OutboxMessage.assignment_id == assignment_id, OutboxMessage.kind == MessageKind.REMINDER
    )


def queue_reminders(*, session: Session, rules: PanelRules, now: datetime) -> list[Assignment]:
    """Queue one reminder to every non-voter whose reminder time has come (panel/windows.py)."""
    candidates = session.exec(
        _pending_on_open_appeals()
        .where(Assignment.deadline > now, col(Assignment.remind_at) <= now)
        .order_by(Assignment.appeal_id, Assignment.id)
    ).all()
    reminded = []
    for candidate in candidates:
        # Under the appeal's lock, so that two workers sweeping at once queue one reminder.
        locked = lifecycle.lock(session, candidate.appeal_id)
        seat = locked.seat(candidate.id)
        if locked.appeal.status != AppealStatus.OPEN or seat.state != AssignmentState.PENDING:
            continue
        if session.exec(_reminded(seat.id)).first() is not None:
            continue
        outbox.queue(
            session=session,
            kind=MessageKind.REMINDER,
            now=now,
            appeal_id=seat.appeal_id,
            assignment_id=seat.id,
        )
        session.flush()
        reminded.append(seat)
    return reminded


def appeals_past_deadline(*, session: Session, now: datetime) -> list[int]:
    """Ids of open appeals with at least one pending seat whose deadline has passed."""
    return list(
        session.exec(
            select(Assignment.appeal_id)
            .join(Appeal, col(Appeal.id) == Assignment.appeal_id)
            .where(
                Appeal.status == AppealStatus.OPEN,
                Assignment.state == AssignmentState.PENDING,
                Assignment.deadline <= now,
            )
            .distinct()
            .order_by(Assignment.appeal_id)
        ).all()
    )


def appeals_to_recheck(*, session: Session, rules: PanelRules) -> list[int]:
    """Ids of live appeals with a pending seat its holder may no longer keep."""
    live = col(Appeal.status).in_(lifecycle.LIVE)
    ineligible = session.exec(
        select(Assignment.appeal_id)
        .join(Appeal, col(Appeal.id) == Assignment.appeal_id)
        .join(Panelist, col(Panelist.id) == Assignment.panelist_id)
        .where(
            live,
            Assignment.state == AssignmentState.PENDING,
            or_(
                ~col(Panelist.active),
                col(Panelist.pledge_signed_on).is_(None),
                col(Panelist.mobile_failing_since).is_not(None),
                Panelist.affiliation_id == Appeal.department_id,
            ),
        )
        .distinct()
    ).all()
    over_quota = session.exec(
        select(Assignment.appeal_id)
        .join(Appeal, col(Appeal.id) == Assignment.appeal_id)
        .join(Panelist, col(Panelist.id) == Assignment.panelist_id)
        .where(
            live,
            col(Assignment.state).in_((AssignmentState.PENDING, AssignmentState.VOTED)),
            Panelist.category == PanelistCategory.GOVERNMENT,
        )
        .group_by(Assignment.appeal_id)
        .having(
            sa.and_(
                func.count() > rules.government_quota,
                func.sum(sa.case((Assignment.state == AssignmentState.PENDING, 1), else_=0)) > 0,
            )
        )
    ).all()
    return sorted(set(ineligible) | set(over_quota))


def settle_expired(
    *, session: Session, appeal_id: int, rules: PanelRules, now: datetime
) -> list[Assignment]:
    """Revoke the expired seats of one appeal and seat substitutes, or stall the appeal.

    Returns the substitutes' assignments (each already has its invitation queued).
    """
    return lifecycle.expire_seats(session=session, appeal_id=appeal_id, rules=rules, now=now)


def recheck(*, session: Session, appeal_id: int, rules: PanelRules, now: datetime) -> list:
    """Hand on the appeal's pending seats whose holders may no longer keep them."""
    return lifecycle.recheck_seats(
        session=session, appeal_id=appeal_id, actor=lifecycle.SYSTEM, rules=rules, now=now
    )
