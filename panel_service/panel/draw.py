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

from sqlmodel import Session, col, select

from ..enums import PanelistCategory, PassOver, Refusal
from ..models import Appeal, Assignment, Panelist
from ..refusals import Refused
from ..rules import PanelRules
from .seating import SEAT_STATES, ineligibility, is_government


class NotEnoughPanelists(Refused):
    """The eligible pool cannot seat a full panel."""

    def __init__(self, available: int, needed: int):
        super().__init__(Refusal.NOT_ENOUGH_PANELISTS, available=available, needed=needed)
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
                selection.skipped.append((candidate, PassOver.QUOTA))
                continue
            government += 1
        selection.picked.append(candidate)
    return selection


def new_nonce() -> str:
    return secrets.token_hex(8)


@dataclass
class Walk:
    """One step along an appeal's candidate order: where it started and ended, whom it
    passed over and why, and the substitute it reached (None: the order ran out)."""

    start: int
    end: int
    skipped: list[tuple[int, str]]
    substitute: Panelist | None


def next_substitute(
    *, session: Session, appeal: Appeal, seats: Sequence[Assignment], rules: PanelRules,
    now: datetime,
) -> Walk:
    """Walk on along the candidate order to the next panelist who may take a seat.

    ``seats`` are all of the appeal's seats, as locked by the caller. Changes nothing.
    """
    seed = bytes.fromhex(appeal.draw_seed)
    taken = {s.panelist_id for s in seats}
    holders = _panelists(session, [s.panelist_id for s in seats if s.state in SEAT_STATES])
    government = sum(is_government(p) for p in holders.values())
    skipped: list[tuple[int, str]] = []
    position = appeal.draw_position
    order = candidate_order(seed, appeal.draw_pool_ids)
    for _ in range(position):
        next(order)
    for candidate_id in order:
        position += 1
        panelist = session.get(Panelist, candidate_id)
        reason = PassOver.ALREADY_ON_APPEAL if candidate_id in taken else None
        if reason is None and panelist is None:
            reason = PassOver.DELETED
        if reason is None:
            reason = ineligibility(panelist, department_id=appeal.department_id, on=now)
        if reason is None and is_government(panelist) and government >= rules.government_quota:
            reason = PassOver.QUOTA
        if reason is None:
            return Walk(appeal.draw_position, position, skipped, panelist)
        skipped.append((candidate_id, str(reason)))
    return Walk(appeal.draw_position, position, skipped, None)


def _panelists(session: Session, ids: Sequence[int]) -> dict[int, Panelist]:
    if not ids:
        return {}
    return {p.id: p for p in session.exec(select(Panelist).where(col(Panelist.id).in_(ids)))}
