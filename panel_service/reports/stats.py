"""Numbers for the statistics dashboard, over a chosen period [start, end).

A period is two UTC instants; one of Beijing days comes from ``timeutil.day_range``.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from .. import timeutil
from ..enums import AssignmentState, Decision, OutboxChannel, OutboxStatus
from ..models import Appeal, Assignment, Department, OutboxMessage


@dataclass
class Series:
    """One chart's numbers: a label per row and one or more named columns."""

    title: str
    labels: list[str]
    columns: dict[str, list[float]]


def _counts(session: Session, column, *where) -> Counter:
    """How many rows have each value of ``column``, counted by the database."""
    return Counter(
        dict(session.execute(select(column, func.count()).where(*where).group_by(column)).all())
    )


def appeals_per_month(
    *, session: Session, start: datetime, end: datetime, tz: str | None = None
) -> Series:
    """Appeals submitted per calendar month in the service zone (or ``tz``)."""
    in_period = (Appeal.submitted_at >= start, Appeal.submitted_at < end)
    first, last = session.execute(
        select(func.min(Appeal.submitted_at), func.max(Appeal.submitted_at)).where(*in_period)
    ).one()
    if first is None:
        return Series("appeals_per_month", [], {"appeals": []})
    # The database counts between each local month's bounds (ix_appeal_submitted_at), one
    # statement for the period: five years of appeals are no longer read to be labelled.
    months = timeutil.local_months(first, last + timedelta(microseconds=1), tz)
    counts = session.execute(
        sa.union_all(
            *(
                select(sa.literal(label), func.count()).where(
                    Appeal.submitted_at >= lo, Appeal.submitted_at < hi
                )
                for label, lo, hi in months
            )
        )
    ).all()
    labels = [label for label, n in counts if n]
    return Series("appeals_per_month", labels, {"appeals": [n for _label, n in counts if n]})


def decisions_per_department(*, session: Session, start: datetime, end: datetime) -> Series:
    """Upheld and dismissed appeals per department."""
    names = dict(session.exec(select(Department.id, Department.name)).all())
    counts: dict[str, Counter] = defaultdict(Counter)
    rows = session.execute(
        select(Appeal.department_id, Appeal.decision, func.count())
        .where(
            Appeal.submitted_at >= start,
            Appeal.submitted_at < end,
            col(Appeal.decision).is_not(None),
        )
        .group_by(Appeal.department_id, Appeal.decision)
    )
    for department_id, decision, n in rows:
        counts[names[department_id]][decision] += n
    labels = sorted(counts)
    return Series(
        "decisions_per_department",
        labels,
        {
            "upheld": [counts[d][Decision.UPHELD] for d in labels],
            "dismissed": [counts[d][Decision.DISMISSED] for d in labels],
        },
    )


def median_hours_to_decision(*, session: Session, start: datetime, end: datetime) -> float | None:
    """Median hours from submission to decision over the decided appeals."""
    decided = (
        Appeal.submitted_at >= start,
        Appeal.submitted_at < end,
        col(Appeal.decided_at).is_not(None),
    )
    n = session.execute(select(func.count()).where(*decided)).scalar_one()
    if not n:
        return None
    # The database sorts by the exact duration and hands back the middle one or two appeals;
    # their hours are computed here as before, so the median is the same to the last bit.
    middle = session.execute(
        select(Appeal.submitted_at, Appeal.decided_at)
        .where(*decided)
        .order_by(_duration(session))
        .offset((n - 1) // 2)
        .limit(2 - n % 2)
    ).all()
    return statistics.median((a.decided_at - a.submitted_at).total_seconds() / 3600 for a in middle)


def _duration(session: Session):
    """Decision minus submission as the database can order it, to the microsecond."""
    if session.get_bind().dialect.name == "postgresql":
        return Appeal.decided_at - Appeal.submitted_at
    # SQLite keeps the times as text, 'YYYY-MM-DD HH:MM:SS.ffffff' (the fraction as
    # SQLAlchemy writes it, or none): whole seconds from strftime, then the microseconds.
    return sa.literal_column(
        "(strftime('%s', appeal.decided_at) - strftime('%s', appeal.submitted_at)) * 1000000"
        " + CAST(substr(appeal.decided_at, 21) AS INTEGER)"
        " - CAST(substr(appeal.submitted_at, 21) AS INTEGER)"
    )


def response_rates(*, session: Session, start: datetime, end: datetime) -> Series:
    """How the panel's seats ended: voted, recused, replaced, closed by the decision, pending."""
    states = _counts(
        session, Assignment.state, Assignment.created_at >= start, Assignment.created_at < end
    )
    labels = [str(s) for s in AssignmentState]
    return Series("response_rates", labels, {"seats": [states[s] for s in AssignmentState]})


def sms_delivery(*, session: Session, start: datetime, end: datetime) -> Series:
    """SMS outcomes: delivered, sent (no receipt yet), failed, still pending, cancelled."""
    states = _counts(
        session,
        OutboxMessage.status,
        OutboxMessage.channel == OutboxChannel.SMS,
        OutboxMessage.created_at >= start,
        OutboxMessage.created_at < end,
    )
    labels = [str(s) for s in OutboxStatus]
    return Series("sms_delivery", labels, {"messages": [states[s] for s in OutboxStatus]})


def rate(
    series: Series, numerator: list[str], column: str, among: list[str] | None = None
) -> float | None:
    """Share of the column's total (or of the ``among`` labels) on the ``numerator`` labels."""
    values = dict(zip(series.labels, series.columns[column], strict=True))
    total = sum(values[k] for k in among) if among else sum(values.values())
    return sum(values.get(k, 0) for k in numerator) / total if total else None

