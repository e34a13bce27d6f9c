"""Numbers for the statistics dashboard, over a chosen period [start, end).

A period is two UTC instants; one of Beijing days comes from ``timeutil.day_range``.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

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


def _appeals(session: Session, start: datetime, end: datetime, *columns):
    """The columns asked for of the appeals submitted in [start, end), as rows.

    Rows, not Appeal objects: over five years (200,000 appeals) building the objects took
    most of the dashboard's time (BENCHMARKS.md, "growth").
    """
    return session.execute(
        select(*columns).where(Appeal.submitted_at >= start, Appeal.submitted_at < end)
    ).all()


def _counts(session: Session, column, *where) -> Counter:
    """How many rows have each value of ``column``, counted by the database."""
    return Counter(
        dict(session.execute(select(column, func.count()).where(*where).group_by(column)).all())
    )


def appeals_per_month(
    *, session: Session, start: datetime, end: datetime, tz: str | None = None
) -> Series:
    """Appeals submitted per calendar month in the service zone (or ``tz``)."""
    months = Counter(
        timeutil.localize(a.submitted_at, tz).strftime("%Y-%m")
        for a in _appeals(session, start, end, Appeal.submitted_at)
    )
    labels = sorted(months)
    return Series("appeals_per_month", labels, {"appeals": [months[m] for m in labels]})


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
    hours = [
        (a.decided_at - a.submitted_at).total_seconds() / 3600
        for a in _appeals(session, start, end, Appeal.submitted_at, Appeal.decided_at)
        if a.decided_at
    ]
    return statistics.median(hours) if hours else None


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

