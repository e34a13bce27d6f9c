"""Each first draw's pool and picks, kept beside its event for the fairness report.

The report over five years used to parse every ``panel.drawn`` event's pool and compute
its chances one draw at a time: 31.6 s for 200,000 draws (BENCHMARKS.md, "growth"). A
draw's chances depend only on its pool (members and their categories), the panel size and
the quota, and the pool stays the same for weeks, so each distinct pool is stored once
(``fairness_pool``, by digest) and each first draw as a row naming it (``fairness_draw``),
with a row per member it seated (``fairness_pick``). The report then counts draws per pool
and picks per member in its period, two ``GROUP BY``s over indexes.

The rows come from the event's own data through ``rows_for``, whoever writes them: the draw
(``note_draw``, right after its event), revision 0014 and bench/pastdata.py (``backfill``).
``rows_for`` applies the report's one rule: a resubmission's continuation is no draw of its
own. ``panel audit verify`` checks the rows against the events (record/verify.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter, defaultdict
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, func, select

from ..enums import AuditKind, SeedSource
from ..models import AuditEvent, FairnessDraw, FairnessPick, FairnessPool
from . import walk


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def pool_digest(members: list, panel_size: int, government_quota: int) -> str:
    """The key of a pool: SHA-256 of its members, as the event lists them, size and quota."""
    shape = {"members": members, "panel_size": panel_size, "government_quota": government_quota}
    return hashlib.sha256(_canonical(shape).encode("utf-8")).hexdigest()


def rows_for(
    *, event_id: int, appeal_id: int, at: datetime | str, data: dict
) -> tuple[dict, dict, list[dict]] | None:
    """The pool, draw and pick rows of one ``panel.drawn`` event (None: a continuation)."""
    if data.get("seed_source") == SeedSource.PREDECESSOR:
        return None
    pool = _pool_row(tuple(map(tuple, data["pool"])), data["panel_size"], data["government_quota"])
    draw = {"event_id": event_id, "appeal_id": appeal_id, "at": at, "pool": pool["digest"]}
    picks = [
        {"event_id": event_id, "panelist_id": pid, "at": at}
        for pid in dict.fromkeys(data["picked"])
    ]
    return pool, draw, picks


@functools.lru_cache(maxsize=256)
def _pool_row(members: tuple, panel_size: int, government_quota: int) -> dict:
    """A pool's row (callers must not change it): each pool is serialized once, not once
    per draw, when a backfill or ``panel audit verify`` goes through years of draws."""
    return {"digest": pool_digest(members, panel_size, government_quota),
            "members": _canonical(members), "panel_size": panel_size,
            "government_quota": government_quota}  # fmt: skip


def _insert_new_pools(bind):
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(FairnessPool).on_conflict_do_nothing(index_elements=["digest"])


def note_draw(*, session: Session, event: AuditEvent) -> None:
    """Keep a first draw's rows, in the draw's transaction (its event is flushed)."""
    rows = rows_for(
        event_id=event.id, appeal_id=event.appeal_id, at=event.at, data=json.loads(event.data)
    )
    if rows is None:
        return
    pool, draw, picks = rows
    # A new pool's row: two draws meeting here wait for each other's commit (PostgreSQL),
    # and only when the pool is new, once after each change of membership.
    session.execute(_insert_new_pools(session.get_bind()).values(**pool))
    session.execute(sa.insert(FairnessDraw).values(**draw))
    session.execute(sa.insert(FairnessPick), picks)


def backfill(connection: sa.Connection, *, batch: int = 5000) -> int:
    """Write the rows of every draw event that has none yet; returns the draws written."""
    events, draws = AuditEvent.__table__, FairnessDraw.__table__
    known = set(connection.execute(select(FairnessPool.digest)).scalars())
    after, written = 0, 0
    while True:
        found = connection.execute(
            select(events.c.id, events.c.appeal_id, events.c.at, events.c.data)
            .outerjoin(draws, draws.c.event_id == events.c.id)
            .where(
                events.c.kind == AuditKind.PANEL_DRAWN,
                events.c.id > after,
                draws.c.event_id.is_(None),
            )
            .order_by(events.c.id)
            .limit(batch)
        ).all()
        if not found:
            return written
        pools, draw_rows, pick_rows = [], [], []
        for event in found:
            rows = rows_for(event_id=event.id, appeal_id=event.appeal_id, at=event.at,
                            data=json.loads(event.data))  # fmt: skip
            if rows is None:
                continue
            pool, draw, picks = rows
            if pool["digest"] not in known:
                known.add(pool["digest"])
                pools.append(pool)
            draw_rows.append(draw)
            pick_rows += picks
        for table, rows in ((FairnessPool, pools), (FairnessDraw, draw_rows),
                            (FairnessPick, pick_rows)):  # fmt: skip
            if rows:
                connection.execute(sa.insert(table), rows)
        written += len(draw_rows)
        after = found[-1].id


def counts(*, session: Session, start: datetime, end: datetime) -> tuple[list, Counter]:
    """The first draws in [start, end): each pool's (digest, members, panel size, quota,
    number of draws), and how many times each member was seated (by member id)."""
    per_pool = (
        select(FairnessDraw.pool, func.count().label("draws"))
        .where(FairnessDraw.at >= start, FairnessDraw.at < end)
        .group_by(FairnessDraw.pool)
        .subquery()
    )
    pools = session.execute(
        select(FairnessPool.digest, FairnessPool.members, FairnessPool.panel_size,
               FairnessPool.government_quota, per_pool.c.draws)
        .join(per_pool, per_pool.c.pool == FairnessPool.digest)
    ).all()  # fmt: skip
    drawn = session.execute(
        select(FairnessPick.panelist_id, func.count())
        .where(FairnessPick.at >= start, FairnessPick.at < end)
        .group_by(FairnessPick.panelist_id)
    ).all()
    return [tuple(row) for row in pools], Counter(dict(drawn))


def drawn_appeals(*, session: Session, start: datetime, end: datetime) -> list[int]:
    """The appeals whose first draw was in [start, end), in the order they were drawn."""
    return list(
        session.exec(
            select(FairnessDraw.appeal_id)
            .where(FairnessDraw.at >= start, FairnessDraw.at < end)
            .order_by(FairnessDraw.event_id)
        ).all()
    )


class Kept(NamedTuple):
    """A first draw's summary as its event says it must be (``record/verify.py``)."""

    appeal_id: int
    at: str  # as walk.instant_text writes it
    pool: str
    picks: frozenset[int]


def differences(*, session: Session, kept: dict[int, Kept]) -> list[tuple[int, int]]:
    """(appeal id, event id) of each first draw whose summary is missing or is not ``kept``
    (its pool's row included: members, size and quota must give its digest), and of each
    summary of no such draw; by event id."""
    pools = {
        digest
        for digest, members, size, quota in walk.rows(
            session, "SELECT digest, members, panel_size, government_quota FROM fairness_pool"
        )
        if pool_digest(json.loads(members), size, quota) == digest
    }
    picks: dict[int, set[int]] = defaultdict(set)
    for event_id, panelist_id in walk.rows(
        session, "SELECT event_id, panelist_id FROM fairness_pick"
    ):
        picks[event_id].add(panelist_id)
    found, seen = [], set()
    for event_id, appeal_id, at, pool in walk.rows(
        session, "SELECT event_id, appeal_id, at, pool FROM fairness_draw"
    ):
        seen.add(event_id)
        row = Kept(appeal_id, walk.instant_text(at), pool, frozenset(picks.get(event_id, ())))
        if pool not in pools or kept.get(event_id) != row:
            found.append((appeal_id, event_id))
    found += [(k.appeal_id, event_id) for event_id, k in kept.items() if event_id not in seen]
    return sorted(found, key=lambda item: item[1])
