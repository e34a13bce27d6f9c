"""Numbers for the statistics dashboard, over a chosen period [start, end).

A period is two UTC instants; one of Beijing days comes from ``timeutil.day_range``.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from .. import timeutil
from ..enums import AssignmentState, Decision, OutboxChannel, OutboxStatus
from ..models import Appeal, Assignment, Department, OutboxMessage


@dataclass
class Series:
    """One chart's numbers: a label per row and one or more named columns."""

    title: str
    labels: list[str]
    columns: dict[str, list[float]]


def _appeals(session: Session, start: datetime, end: datetime) -> list[Appeal]:
    return list(
        session.exec(select(Appeal).where(Appeal.submitted_at >= start, Appeal.submitted_at < end))
    )


def appeals_per_month(
    *, session: Session, start: datetime, end: datetime, tz: str | None = None
) -> Series:
    """Appeals submitted per calendar month in the service zone (or ``tz``)."""
    months = Counter(
        timeutil.localize(a.submitted_at, tz).strftime("%Y-%m")
        for a in _appeals(session, start, end)
    )
    labels = sorted(months)
    return Series("appeals_per_month", labels, {"appeals": [months[m] for m in labels]})


def decisions_per_department(*, session: Session, start: datetime, end: datetime) -> Series:
    """Upheld and dismissed appeals per department."""
    names = dict(session.exec(select(Department.id, Department.name)).all())
    counts: dict[str, Counter] = defaultdict(Counter)
    for appeal in _appeals(session, start, end):
        if appeal.decision:
            counts[names[appeal.department_id]][appeal.decision] += 1
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
        for a in _appeals(session, start, end)
        if a.decided_at
    ]
    return statistics.median(hours) if hours else None


def response_rates(*, session: Session, start: datetime, end: datetime) -> Series:
    """How the panel's seats ended: voted, recused, replaced, closed by the decision, pending."""
    states = Counter(
        session.exec(
            select(Assignment.state).where(
                Assignment.created_at >= start, Assignment.created_at < end
            )
        )
    )
    labels = [str(s) for s in AssignmentState]
    return Series("response_rates", labels, {"seats": [states[s] for s in AssignmentState]})


def sms_delivery(*, session: Session, start: datetime, end: datetime) -> Series:
    """SMS outcomes: delivered, sent (no receipt yet), failed, still pending, cancelled."""
    states = Counter(
        session.exec(
            select(OutboxMessage.status).where(
                OutboxMessage.channel == OutboxChannel.SMS,
                OutboxMessage.created_at >= start,
                OutboxMessage.created_at < end,
            )
        )
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

