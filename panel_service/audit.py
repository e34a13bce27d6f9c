"""The audit trail: append-only events, each chained to the one before by SHA-256."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, func, select

from .db import is_postgres
from .enums import AuditKind
from .models import AuditEvent
from .timeutil import now as clock_now

GENESIS_HASH = "0" * 64
# Any constant works; it names the one advisory lock that serializes appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x50414E454C  # "PANEL"


def canonical_json(data: dict) -> str:
    """The one serialization that gets hashed: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(
    *, prev_hash: str, at: datetime, kind: str, appeal_id: int | None, actor: str, data: str
) -> str:
    """SHA-256 over an event's content and its predecessor's hash."""
    content = canonical_json(
        {
            "prev": prev_hash,
            "at": at.isoformat(timespec="microseconds"),
            "kind": str(kind),
            "appeal": appeal_id,
            "actor": actor,
            "data": data,
        }
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def lock_chain(session: Session) -> None:
    """Take the chain's lock now, before any row lock (PostgreSQL; held until commit).

    A transaction that locks a row and only then records an event could wait for the
    chain while the chain's holder waits for that row (a vote closing the other seats).
    """
    if is_postgres(session):
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})


def record(
    *,
    session: Session,
    kind: AuditKind,
    actor: str,
    data: dict | None = None,
    appeal_id: int | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction."""
    # Two transactions must not both extend the same tail; hold the chain until commit.
    lock_chain(session)
    last = session.exec(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_hash = last or GENESIS_HASH
    at = now or clock_now()
    payload = canonical_json(data or {})
    event = AuditEvent(
        at=at,
        kind=kind,
        appeal_id=appeal_id,
        actor=actor,
        data=payload,
        prev_hash=prev_hash,
        hash=event_hash(
            prev_hash=prev_hash, at=at, kind=kind, appeal_id=appeal_id, actor=actor, data=payload
        ),
    )
    session.add(event)
    session.flush()
    return event


@dataclass
class ChainReport:
    checked: int
    first_broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(*, session: Session, batch: int = 1000) -> ChainReport:
    """Walk the chain in order and name the first row whose link or hash is wrong."""
    prev_hash = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(checked=checked)
        for row in rows:
            if row.prev_hash != prev_hash:
                return ChainReport(checked, row.id, "does not link to the previous event")
            expected = event_hash(
                prev_hash=row.prev_hash,
                at=row.at,
                kind=row.kind,
                appeal_id=row.appeal_id,
                actor=row.actor,
                data=row.data,
            )
            if expected != row.hash:
                return ChainReport(checked, row.id, "content does not match its hash")
            prev_hash = row.hash
            checked += 1
            last_id = row.id


def events_for(*, session: Session, appeal_id: int) -> list[AuditEvent]:
    """An appeal's events, oldest first."""
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.appeal_id == appeal_id).order_by(AuditEvent.id)
        ).all()
    )


def event_data(event: AuditEvent) -> dict:
    return json.loads(event.data)


def search(
    *,
    session: Session,
    start: datetime,
    end: datetime,
    kind: str | None = None,
    appeal_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[AuditEvent], int]:
    """One page of events in [start, end), newest first, and how many match in all."""
    query = select(AuditEvent).where(AuditEvent.at >= start, AuditEvent.at < end)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    if appeal_id is not None:
        query = query.where(AuditEvent.appeal_id == appeal_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    events = session.exec(
        query.order_by(AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(events), total
