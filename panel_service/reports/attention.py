"""What needs someone now: the administrator's list, and the appeals on staff's and a
department's desk. The homes show these; each item names the page that deals with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, func, select

from ..enums import AppealStatus, AssignmentState, OutboxChannel, OutboxStatus, PanelistCategory
from ..membership.panelists import failing_numbers
from ..membership.rotation import (
    PoolWarning,
    category_balance,
    pool_warnings,
    terms_ending,
    under_represented,
)
from ..models import Appeal, Assignment, Department, OutboxMessage, Panelist
from ..readiness import OVERDUE_AFTER
from ..rules import PanelRules

RECENT = timedelta(days=14)  # "recently decided" on the homes
FAILED_WITHIN = timedelta(days=7)  # a text that failed longer ago has been dealt with or not
HOME_LIST = 20  # appeals per list on a home
# The outbox has no provider column yet: messages are grouped by channel and status, and by
# provider too once the column exists.
_PROVIDER = getattr(OutboxMessage, "provider", None)


@dataclass(frozen=True)
class OverdueSeats:
    """An open appeal with seats whose deadline passed without a vote (the sweep is late)."""

    appeal: Appeal
    seats: int
    oldest_deadline: datetime


@dataclass(frozen=True)
class QueueCount:
    channel: OutboxChannel
    status: OutboxStatus
    count: int
    oldest: datetime
    provider: str | None = None


@dataclass
class AdminAttention:
    stalled: list[Appeal] = field(default_factory=list)
    overdue: list[OverdueSeats] = field(default_factory=list)
    failing: list[Panelist] = field(default_factory=list)
    queue: list[QueueCount] = field(default_factory=list)
    terms_ending: list[Panelist] = field(default_factory=list)
    thin_categories: list[PanelistCategory] = field(default_factory=list)
    small_pools: list[PoolWarning] = field(default_factory=list)
    last_checkpoint_at: datetime | None = None  # none are written yet

    @property
    def empty(self) -> bool:
        return not any(
            (self.stalled, self.overdue, self.failing, self.queue, self.terms_ending,
             self.thin_categories, self.small_pools)
        )  # fmt: skip


def stalled_appeals(*, session: Session, department_id: int | None = None) -> list[Appeal]:
    """Appeals waiting for staff to decide what happens (oldest first)."""
    query = select(Appeal).where(Appeal.status == AppealStatus.STALLED)
    if department_id is not None:
        query = query.where(Appeal.department_id == department_id)
    return list(session.exec(query.order_by(Appeal.submitted_at)))


def overdue_seats(*, session: Session, now: datetime) -> list[OverdueSeats]:
    """Open appeals holding pending seats past their deadline, oldest deadline first."""
    rows = session.exec(
        select(Appeal, func.count(), func.min(Assignment.deadline))
        .join(Assignment, Assignment.appeal_id == Appeal.id)
        .where(
            Appeal.status == AppealStatus.OPEN,
            Assignment.state == AssignmentState.PENDING,
            Assignment.deadline < now,
        )
        .group_by(Appeal.id)
        .order_by(func.min(Assignment.deadline))
    ).all()
    return [OverdueSeats(a, n, _aware(oldest)) for a, n, oldest in rows]


def message_queue(*, session: Session, now: datetime) -> list[QueueCount]:
    """Texts and webhooks that are stuck or being retried, and those that failed lately, by
    channel and status (and provider, once recorded). A text queued a minute ago that the
    worker will send at once needs nobody."""
    keys = [OutboxMessage.channel, OutboxMessage.status]
    if _PROVIDER is not None:
        keys.append(_PROVIDER)
    waiting = (OutboxMessage.status == OutboxStatus.PENDING) & (
        (OutboxMessage.attempts > 0) | (OutboxMessage.next_attempt_at < now - OVERDUE_AFTER)
    )
    failed = (OutboxMessage.status == OutboxStatus.FAILED) & (
        OutboxMessage.updated_at >= now - FAILED_WITHIN
    )
    rows = session.exec(
        select(*keys, func.count(), func.min(OutboxMessage.created_at))
        .where(waiting | failed)
        .group_by(*keys)
        .order_by(*keys)
    ).all()
    return [
        QueueCount(
            OutboxChannel(row[0]), OutboxStatus(row[1]), row[-2], _aware(row[-1]),
            provider=row[2] if _PROVIDER is not None else None,
        )
        for row in rows
    ]  # fmt: skip


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def admin_attention(*, session: Session, rules: PanelRules, now: datetime) -> AdminAttention:
    """Everything an administrator should look at now."""
    return AdminAttention(
        stalled=stalled_appeals(session=session),
        overdue=overdue_seats(session=session, now=now),
        failing=[p for p in failing_numbers(session=session) if p.active],
        queue=message_queue(session=session, now=now),
        terms_ending=terms_ending(session=session, now=now),
        thin_categories=under_represented(category_balance(session=session)),
        small_pools=pool_warnings(session=session, rules=rules, now=now),
        last_checkpoint_at=None,  # the record writes no checkpoints yet
    )


@dataclass
class Desk:
    """The appeals on staff's (or one department's) desk."""

    open: list[Appeal]
    recently_decided: list[Appeal]
    stalled: list[Appeal]
    departments: dict[int, str]


def desk(*, session: Session, now: datetime, department_id: int | None = None) -> Desk:
    """Open appeals by deadline, those decided in the last two weeks, and the stalled ones
    (staff owe them a decision); a department's own only when ``department_id`` is given."""
    mine = [Appeal.department_id == department_id] if department_id is not None else []
    open_ = session.exec(
        select(Appeal)
        .where(Appeal.status == AppealStatus.OPEN, *mine)
        .order_by(Appeal.deadline, Appeal.id)
        .limit(HOME_LIST)
    ).all()
    decided = session.exec(
        select(Appeal)
        .where(Appeal.status == AppealStatus.DECIDED, Appeal.decided_at >= now - RECENT, *mine)
        .order_by(col(Appeal.decided_at).desc())
        .limit(HOME_LIST)
    ).all()
    names = dict(session.exec(select(Department.id, Department.name)).all())
    return Desk(
        open=list(open_),
        recently_decided=list(decided),
        stalled=stalled_appeals(session=session, department_id=department_id),
        departments=names,
    )
