"""The audit trail: append-only events in hash chains, one per appeal and one for membership.

Each event names its chain and its position in it (``seq``, from 1) and carries the hash of
the event before it in that chain (``GENESIS_HASH`` for the first). An appeal's chain is
appended only by a transaction that holds the appeal's row lock (the lifecycle's order), so
votes on different appeals never wait for each other; events about members, users and keys
join the ``membership`` chain, whose head row is its lock, taken last. ``audit_chain`` keeps
every chain's length and head, so a deleted tail is noticed. Events recorded before
revision 0006 stay, hashes and all, as the closed chain ``legacy`` (the old formula).
``chains`` does the appending: a head read once per transaction, its events written
together by the next flush.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, func, select

from ..enums import AppealStatus, AuditKind, ChainProblem
from ..models import Appeal, AuditEvent
from ..timeutil import now as clock_now
from . import chains

GENESIS_HASH = chains.GENESIS_HASH  # the first link of every chain
MEMBERSHIP_CHAIN = "membership"
LEGACY_CHAIN = "legacy"


def canonical_json(data: dict) -> str:
    """The one serialization that gets hashed: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def iso(value: datetime | None) -> str | None:
    """An aware time as the public record writes it: ISO 8601 UTC with a Z."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def digest(text: str | None) -> str | None:
    """SHA-256 of a free text an event must not carry itself (a note, a reason), in hex."""
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_of(appeal_id: int | None) -> str:
    """The chain an event joins: its appeal's, or the membership chain."""
    return MEMBERSHIP_CHAIN if appeal_id is None else f"appeal:{appeal_id}"


def event_hash(
    *,
    chain: str,
    seq: int,
    prev_hash: str,
    at: datetime,
    kind: str,
    appeal_id: int | None,
    actor: str,
    data: str,
) -> str:
    """SHA-256 over the canonical JSON of an event, its place and its predecessor's hash."""
    fields = {
        "prev": prev_hash,
        "at": at.isoformat(timespec="microseconds"),
        "kind": str(kind),
        "appeal": appeal_id,
        "actor": actor,
        "data": data,
    }
    if chain != LEGACY_CHAIN:  # the formula before 0006 had no chain or position
        fields.update(chain=chain, seq=seq)
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def hash_of(event: AuditEvent) -> str:
    """What the event's hash must be, from its stored content."""
    return event_hash(
        chain=event.chain,
        seq=event.seq,
        prev_hash=event.prev_hash,
        at=event.at,
        kind=event.kind,
        appeal_id=event.appeal_id,
        actor=event.actor,
        data=event.data,
    )


def begin_chain(*, session: Session, appeal_id: int) -> None:
    """Start the chain of an appeal created in this transaction (no head to read)."""
    chains.begin(session, chain_of(appeal_id))


def record(
    *,
    session: Session,
    kind: AuditKind,
    actor: str,
    data: dict | None = None,
    appeal_id: int | None = None,
    now: datetime | None = None,
) -> chains.Appended:
    """Append one event to its chain in the caller's transaction; returns it (its ``id``
    is set by the flush that writes it).

    An appeal's event must be recorded while holding that appeal's row lock (every
    lifecycle transition does); a membership event last in its transaction. Nothing is
    written yet: the session's next flush writes the transaction's events together
    (``chains``); a vote used to pay three statements and a flush per event.
    """
    chain = chain_of(appeal_id)
    head = chains.head(session, chain)
    at = now or clock_now()
    payload = canonical_json(data or {})
    seq = head.length + 1
    digest_ = event_hash(
        chain=chain, seq=seq, prev_hash=head.head_hash, at=at, kind=kind,
        appeal_id=appeal_id, actor=actor, data=payload,
    )  # fmt: skip
    event = chains.Appended(
        chain=chain, seq=seq, at=at, kind=str(kind), appeal_id=appeal_id, actor=actor,
        data=payload, prev_hash=head.head_hash, hash=digest_,
    )  # fmt: skip
    chains.append(session, head, event)
    return event


@dataclass
class ChainReport:
    checked: int
    chains: int = 0
    first_broken_id: int | None = None
    chain: str | None = None
    problem: ChainProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(*, session: Session, batch: int = 10000) -> ChainReport:
    """Walk every chain in order; name the first event whose place, link or hash is wrong.

    Also checks each chain's recorded head: a chain that ends before its recorded length,
    or events of a chain nobody recorded, are reported too (record/walk.py).
    """
    from .walk import walk_chains  # imported here: walk imports this module

    return walk_chains(session=session, batch=batch)


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
    until_decided: frozenset[str] = frozenset(),
) -> tuple[list[AuditEvent], int]:
    """One page of events in [start, end), newest first, and how many match in all.

    Events of the kinds in ``until_decided`` are left out while their appeal is undecided
    (the viewer's way of keeping who has voted secret until the decision)."""
    query = select(AuditEvent).where(AuditEvent.at >= start, AuditEvent.at < end)
    if until_decided:
        decided = select(Appeal.id).where(Appeal.status == AppealStatus.DECIDED)
        query = query.where(
            sa.or_(
                AuditEvent.kind.not_in(sorted(until_decided)),
                AuditEvent.appeal_id.is_(None),
                AuditEvent.appeal_id.in_(decided),
            )
        )
    if kind:
        query = query.where(AuditEvent.kind == kind)
    if appeal_id is not None:
        query = query.where(AuditEvent.appeal_id == appeal_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    events = session.exec(
        query.order_by(AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(events), total
