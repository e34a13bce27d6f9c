"""Keeping the panel healthy over years: terms, poor responders, balance, pool size."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from ..enums import PanelistCategory, PoorResponse, Refusal
from ..models import Department, Panelist
from ..panel.lifecycle import SeatChange
from ..panel.seating import eligible_panelists
from ..refusals import Refused
from ..rules import PanelRules
from ..timeutil import local_date
from .changes import ACTIVATED, RETIRED, change_membership
from .health import PanelistHealth

TERM_WARNING = timedelta(days=60)
MIN_PER_CATEGORY = 3  # below this a category's voice on the panel is too thin


@dataclass
class PoolWarning:
    department: Department
    eligible: int
    seatable: int


def terms_ending(*, session: Session, now: datetime, within: timedelta = TERM_WARNING):
    """Active members whose term ends within the window, soonest first."""
    horizon = local_date(now) + within
    return list(
        session.exec(
            select(Panelist)
            .where(Panelist.active, Panelist.term_end <= horizon)
            .order_by(Panelist.term_end)
        )
    )


def poor_responders(
    rows: list[PanelistHealth],
) -> list[tuple[PanelistHealth, list[PoorResponse]]]:
    """Members who miss deadlines, answer slowly or recuse often, with the reasons."""
    out = []
    for row in rows:
        reasons = []
        if row.no_shows >= 2:
            reasons.append(PoorResponse.NO_SHOWS)
        if (
            row.response_rate is not None
            and row.votes + row.no_shows >= 3
            and row.response_rate < 0.5
        ):
            reasons.append(PoorResponse.LOW_RESPONSE)
        if row.median_hours_to_vote is not None and row.median_hours_to_vote > 48:
            reasons.append(PoorResponse.SLOW)
        if row.recusals >= 3:
            reasons.append(PoorResponse.RECUSALS)
        if reasons:
            out.append((row, reasons))
    return out


def category_balance(*, session: Session) -> dict[PanelistCategory, int]:
    """Active members per category (every category listed, zero included)."""
    counts = Counter(session.exec(select(Panelist.category).where(Panelist.active)))
    return {cat: counts.get(cat, 0) for cat in PanelistCategory}


def under_represented(balance: dict[PanelistCategory, int]) -> list[PanelistCategory]:
    """Categories with too few active members (``other`` is no voice of its own)."""
    return [
        cat for cat, n in balance.items() if n < MIN_PER_CATEGORY and cat != PanelistCategory.OTHER
    ]


def pool_warnings(*, session: Session, rules: PanelRules, now: datetime) -> list[PoolWarning]:
    """Departments for which today's pool cannot seat a full panel (with some slack)."""
    out = []
    for department in session.exec(select(Department).order_by(Department.code)):
        pool = eligible_panelists(session=session, department_id=department.id, on=now)
        government = sum(p.category == PanelistCategory.GOVERNMENT for p in pool)
        seatable = len(pool) - government + min(government, rules.government_quota)
        # A panel needs its 5 plus substitutes for recusals and no-shows: warn below twice.
        if seatable < 2 * rules.panel_size:
            out.append(PoolWarning(department, len(pool), seatable))
    return out


def rotate(
    *,
    session: Session,
    retire_ids: list[int],
    activate_ids: list[int],
    actor: str,
    rules: PanelRules,
    now: datetime,
) -> list[SeatChange]:
    """Retire some members and activate others in one step; returns the seats handed on."""
    if set(retire_ids) & set(activate_ids):
        raise Refused(Refusal.RETIRE_AND_ACTIVATE)
    members = {
        p.id: p
        for p in session.exec(
            select(Panelist).where(col(Panelist.id).in_(retire_ids + activate_ids))
        )
    }
    missing = set(retire_ids + activate_ids) - set(members)
    if missing:
        raise Refused(Refusal.UNKNOWN_PANELIST, panelists=sorted(missing))
    changes = [(members[pid], RETIRED) for pid in retire_ids]
    changes += [(members[pid], ACTIVATED) for pid in activate_ids]
    return change_membership(session=session, changes=changes, actor=actor, rules=rules, now=now)
