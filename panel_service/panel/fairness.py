"""The fairness report: how often each panelist was drawn against what a fair draw expects."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ..enums import AuditKind, PanelistCategory, SeedSource, Verdict
from ..models import Appeal, AuditEvent
from ..record import draw_summary
from ..record.audit import event_data

GOVERNMENT = str(PanelistCategory.GOVERNMENT)


@dataclass(frozen=True)
class DrawRecord:
    """One first draw as audited: the eligible pool with categories and who was picked."""

    pool: tuple[tuple[int, str], ...]
    picked: tuple[int, ...]
    size: int
    government_quota: int


@cache
def _expected_government_seats(government: int, others: int, size: int, quota: int) -> float:
    """Exact expected government seats when walking a uniformly random candidate order."""

    @cache
    def walk(g_left: int, o_left: int, g_seated: int, o_seated: int) -> float:
        if g_seated + o_seated == size or g_left + o_left == 0:
            return float(g_seated)
        total = g_left + o_left
        value = 0.0
        if g_left:
            seat = 1 if g_seated < quota else 0
            value += g_left / total * walk(g_left - 1, o_left, g_seated + seat, o_seated)
        if o_left:
            value += o_left / total * walk(g_left, o_left - 1, g_seated, o_seated + 1)
        return value

    return walk(government, others, 0, 0)


def chances(record: DrawRecord) -> dict[int, float]:
    """Each pool member's probability of a seat in this draw under the published algorithm."""
    government = sum(1 for _, cat in record.pool if cat == GOVERNMENT)
    others = len(record.pool) - government
    e_gov = _expected_government_seats(government, others, record.size, record.government_quota)
    e_other = min(record.size, len(record.pool)) - e_gov
    return {
        pid: (e_gov / government if cat == GOVERNMENT else e_other / others)
        for pid, cat in record.pool
    }


def chi_square_p_value(statistic: float, df: int) -> float:
    """Upper tail of chi-square (Wilson-Hilferty normal approximation)."""
    if df <= 0:
        return 1.0
    z = ((statistic / df) ** (1 / 3) - (1 - 2 / (9 * df))) / math.sqrt(2 / (9 * df))
    return 0.5 * math.erfc(z / math.sqrt(2))


@dataclass
class PanelistFairness:
    panelist_id: int
    eligible_draws: int
    drawn: int
    expected: float

    @property
    def z(self) -> float:
        """Standardized excess of draws (a rough per-person flag)."""
        return (self.drawn - self.expected) / math.sqrt(self.expected) if self.expected else 0.0


@dataclass
class FairnessReport:
    draws: int
    rows: list[PanelistFairness] = field(default_factory=list)
    statistic: float = 0.0
    df: int = 0
    p_value: float = 1.0

    @property
    def verdict(self) -> Verdict:
        """What the test says, in a word the views put in plain language."""
        if self.draws < 10 or any(r.expected < 1 for r in self.rows) or self.df < 1:
            return Verdict.TOO_FEW
        if self.p_value < 0.001:
            return Verdict.UNFAIR
        if self.p_value < 0.05:
            return Verdict.WATCH
        return Verdict.FAIR


def fairness_report(records: Iterable[DrawRecord]) -> FairnessReport:
    """Compare actual and expected draws per panelist with a chi-square test."""
    shapes: Counter[DrawRecord] = Counter()
    drawn: Counter[int] = Counter()
    for record in records:
        shapes[DrawRecord(record.pool, (), record.size, record.government_quota)] += 1
        drawn.update(record.picked)
    return _report(
        [(shape, n, draw_summary.pool_digest(shape.pool, shape.size, shape.government_quota))
         for shape, n in shapes.items()],
        drawn,
    )  # fmt: skip


def period_report(*, session: Session, start: datetime, end: datetime) -> FairnessReport:
    """The report of the first draws in [start, end), from the draws' summary rows
    (record/draw_summary.py): the same numbers as ``fairness_report(draw_records(...))``."""
    pools, drawn = draw_summary.counts(session=session, start=start, end=end)
    shapes = [
        (DrawRecord(tuple((pid, cat) for pid, cat in json.loads(members)), (), size, quota),
         n, digest)
        for digest, members, size, quota, n in pools
    ]  # fmt: skip
    return _report(shapes, drawn)


def _report(shapes: list[tuple[DrawRecord, int, str]], drawn: Counter) -> FairnessReport:
    """The report from each pool's number of draws and each member's seats.

    Each pool's chances are computed once and weighted by its draws, pools taken in the
    order of their digests, so that the events and the summary give the same floats.
    """
    expected: dict[int, float] = defaultdict(float)
    eligible: dict[int, int] = defaultdict(int)
    for shape, n, _digest in sorted(shapes, key=lambda item: item[2]):
        for pid, p in chances(shape).items():
            expected[pid] += n * p
            eligible[pid] += n
    rows = [
        PanelistFairness(pid, eligible[pid], drawn[pid], expected[pid]) for pid in sorted(expected)
    ]
    report = FairnessReport(draws=sum(n for _shape, n, _digest in shapes), rows=rows)
    usable = [r for r in rows if r.expected > 0]
    report.statistic = sum((r.drawn - r.expected) ** 2 / r.expected for r in usable)
    report.df = max(len(usable) - 1, 0)
    report.p_value = chi_square_p_value(report.statistic, report.df)
    return report


def draw_records(
    *, session: Session, start: datetime, end: datetime
) -> list[tuple[int, DrawRecord]]:
    """The audited first draws in [start, end), with their appeal ids.

    A resubmitted work order continues its first draw: it is no draw of its own, so each
    work order counts once (``resubmissions`` lists them). This reads and parses every
    event of the period: the pages use ``period_report``, which sums the draws' summary.
    """
    events = session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.kind == AuditKind.PANEL_DRAWN,
            AuditEvent.at >= start,
            AuditEvent.at < end,
        )
        .order_by(AuditEvent.id)
    ).all()
    out = []
    for event in events:
        data = event_data(event)
        if data.get("seed_source") == SeedSource.PREDECESSOR:
            continue
        out.append(
            (
                event.appeal_id,
                DrawRecord(
                    pool=tuple((pid, cat) for pid, cat in data["pool"]),
                    picked=tuple(data["picked"]),
                    size=data["panel_size"],
                    government_quota=data["government_quota"],
                ),
            )
        )
    return out


def resubmissions(*, session: Session, start: datetime, end: datetime) -> list[tuple[str, str]]:
    """(reference, predecessor's reference) of the resubmissions registered in [start, end)."""
    earlier = aliased(Appeal)
    return list(
        session.exec(
            select(Appeal.reference, earlier.reference)
            .join(earlier, earlier.id == Appeal.predecessor_id)
            .where(Appeal.submitted_at >= start, Appeal.submitted_at < end)
            .order_by(Appeal.id)
        ).all()
    )
