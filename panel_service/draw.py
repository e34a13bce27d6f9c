"""The published, replayable draw of panelists for an appeal.

Algorithm (anyone can re-run it from the audit event's seed and pool):
1. ``seed`` is 32 bytes from ``secrets``; ``pool`` is the eligible panelists' ids, ascending.
2. For i = 0, 1, 2, ...: ``k = int(SHA-256(seed || i as 4-byte big-endian)) mod len(remaining)``;
   ``remaining[k]`` is the i-th candidate and is removed from ``remaining``.
3. Candidates fill seats in that order; one who would break the government quota is passed
   over for good. Replacements continue the same candidate order, so every substitute is
   fixed at the moment of the first draw (as in RFC 3797).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, or_, select

from . import audit
from .enums import AssignmentState, AuditKind, PanelistCategory
from .models import Appeal, Assignment, Panelist
from .rules import PanelRules
from .timeutil import local_date

SEAT_STATES = (AssignmentState.PENDING, AssignmentState.VOTED)


class NotEnoughPanelists(Exception):
    """The eligible pool cannot seat a full panel."""

    def __init__(self, available: int, needed: int):
        super().__init__(f"only {available} eligible panelists can be seated, {needed} needed")
        self.available = available
        self.needed = needed


def candidate_order(seed: bytes, pool: Sequence[int]) -> Iterator[int]:
    """Yield the pool's ids in the order fixed by the seed."""
    remaining = sorted(pool)
    i = 0
    while remaining:
        digest = hashlib.sha256(seed + i.to_bytes(4, "big")).digest()
        yield remaining.pop(int.from_bytes(digest, "big") % len(remaining))
        i += 1


@dataclass
class Selection:
    picked: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    position: int = 0  # candidates consumed


def select_panel(
    seed: bytes, pool: Sequence[tuple[int, str]], *, size: int, government_quota: int
) -> Selection:
    """Seat ``size`` candidates from ``(id, category)`` pairs under the quota."""
    categories = dict(pool)
    selection = Selection()
    government = 0
    for candidate in candidate_order(seed, list(categories)):
        if len(selection.picked) == size:
            break
        selection.position += 1
        if categories[candidate] == PanelistCategory.GOVERNMENT:
            if government >= government_quota:
                selection.skipped.append((candidate, "quota"))
                continue
            government += 1
        selection.picked.append(candidate)
    return selection


def eligible_panelists(*, session: Session, department_id: int, on: datetime) -> list[Panelist]:
    """Panelists who may sit on an appeal by this department, ordered by id."""
    today = local_date(on)
    return list(
        session.exec(
            select(Panelist)
            .where(
                Panelist.active,
                Panelist.term_start <= today,
                Panelist.term_end >= today,
                col(Panelist.pledge_signed_on).is_not(None),
                Panelist.pledge_signed_on <= today,
                col(Panelist.mobile_failing_since).is_(None),
                or_(
                    col(Panelist.affiliation_id).is_(None),
                    Panelist.affiliation_id != department_id,
                ),
            )
            .order_by(Panelist.id)
        ).all()
    )


def ineligibility(panelist: Panelist, *, department_id: int, on: datetime) -> str | None:
    """Why this panelist may not sit on the appeal now, or None."""
    today = local_date(on)
    if not panelist.active:
        return "inactive"
    if not panelist.term_start <= today <= panelist.term_end:
        return "out_of_term"
    if panelist.pledge_signed_on is None or panelist.pledge_signed_on > today:
        return "no_pledge"
    if panelist.mobile_failing_since is not None:
        return "mobile_failing"
    if panelist.affiliation_id == department_id:
        return "conflict"
    return None


def seated(*, session: Session, appeal_id: int) -> list[Assignment]:
    """Assignments currently holding a seat (pending or voted)."""
    return list(
        session.exec(
            select(Assignment).where(
                Assignment.appeal_id == appeal_id, col(Assignment.state).in_(SEAT_STATES)
            )
        ).all()
    )


def new_nonce() -> str:
    return secrets.token_hex(8)


def draw_panel(
    *, session: Session, appeal: Appeal, rules: PanelRules, now: datetime, seed: bytes | None = None
) -> list[Assignment]:
    """Draw the first panel for a new appeal; raises NotEnoughPanelists, storing nothing."""
    pool = eligible_panelists(session=session, department_id=appeal.department_id, on=now)
    pool_pairs = [(p.id, str(p.category)) for p in pool]
    seed = seed if seed is not None else secrets.token_bytes(32)
    selection = select_panel(
        seed, pool_pairs, size=rules.panel_size, government_quota=rules.government_quota
    )
    if len(selection.picked) < rules.panel_size:
        raise NotEnoughPanelists(len(selection.picked), rules.panel_size)
    appeal.draw_seed = seed.hex()
    appeal.draw_pool = ",".join(str(pid) for pid, _ in pool_pairs)
    appeal.draw_position = selection.position
    assignments = [
        Assignment(
            appeal_id=appeal.id,
            panelist_id=pid,
            draw_round=0,
            link_nonce=new_nonce(),
            deadline=appeal.deadline,
            created_at=now,
        )
        for pid in selection.picked
    ]
    session.add(appeal)
    session.add_all(assignments)
    session.flush()
    audit.record(
        session=session,
        kind=AuditKind.PANEL_DRAWN,
        actor="system",
        appeal_id=appeal.id,
        now=now,
        data={
            "seed": seed.hex(),
            "pool": [[pid, cat] for pid, cat in pool_pairs],
            "panel_size": rules.panel_size,
            "government_quota": rules.government_quota,
            "picked": selection.picked,
            "skipped": [[pid, why] for pid, why in selection.skipped],
            "position": selection.position,
        },
    )
    return assignments


def next_substitute(
    *, session: Session, appeal: Appeal, rules: PanelRules, now: datetime
) -> tuple[Panelist | None, list[tuple[int, str]], int]:
    """Walk on along the candidate order to the next panelist who may take a seat.

    Returns the panelist (or None when the order is exhausted), the candidates passed over
    with the reason, and the new position. Changes nothing.
    """
    seed = bytes.fromhex(appeal.draw_seed)
    pool = appeal.draw_pool_ids
    taken = set(
        session.exec(select(Assignment.panelist_id).where(Assignment.appeal_id == appeal.id)).all()
    )
    government = sum(
        1
        for a in seated(session=session, appeal_id=appeal.id)
        if session.get(Panelist, a.panelist_id).category == PanelistCategory.GOVERNMENT
    )
    skipped: list[tuple[int, str]] = []
    position = appeal.draw_position
    order = candidate_order(seed, pool)
    for _ in range(position):
        next(order)
    for candidate_id in order:
        position += 1
        panelist = session.get(Panelist, candidate_id)
        reason = "already_on_appeal" if candidate_id in taken else None
        if reason is None and panelist is None:
            reason = "deleted"
        if reason is None:
            reason = ineligibility(panelist, department_id=appeal.department_id, on=now)
        if (
            reason is None
            and panelist.category == PanelistCategory.GOVERNMENT
            and government >= rules.government_quota
        ):
            reason = "quota"
        if reason is None:
            return panelist, skipped, position
        skipped.append((candidate_id, reason))
    return None, skipped, position
