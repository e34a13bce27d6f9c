"""One transaction's appends to the audit chains: each head read once, the events written
together.

An appeal's chain is appended only under that appeal's row lock, the membership chain under
its head row's lock, taken last (``audit``). So within one transaction a chain's head is
read once (``head``; the lifecycle reads it along with the appeal's seats, ``adopt``) and
kept in the transaction's memo; the events recorded follow each other in memory and the
session's next flush (before a query, at a savepoint, at the latest the commit's) writes
them in one INSERT, and the head in one UPDATE. A rolled-back savepoint takes its events
with it: the memo is forgotten and the ORM restores the head row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import memo
from ..inserts import insert_unless_present
from ..models import AuditChain, AuditEvent

GENESIS_HASH = "0" * 64
_HEADS, _PENDING = "audit_heads", "audit_pending"


def _heads(session: Session) -> dict[str, AuditChain]:
    return memo.of(session).setdefault(_HEADS, {})


def head(session: Session, chain: str) -> AuditChain:
    """The chain's head row for this transaction: read and locked at its first append."""
    heads = _heads(session)
    found = heads.get(chain)
    if found is None:
        found = heads[chain] = _read(session, chain)
    return found


def adopt(session: Session, row: AuditChain) -> None:
    """Use this head row, just read under its appeal's lock, for the transaction's appends."""
    _heads(session).setdefault(row.name, row)


def begin(session: Session, chain: str) -> None:
    """Start a chain nobody else can know of yet (a new appeal's): nothing to read; the row
    is inserted by the next flush, with the events."""
    row = AuditChain(name=chain, length=0, head_hash=GENESIS_HASH)
    session.add(row)
    _heads(session)[chain] = row


@dataclass(slots=True)
class Appended:
    """An event recorded in this transaction: its ``audit_event`` columns, and its ``id``
    once the flush that writes it has run (``session.flush()`` to have it at once)."""

    chain: str
    seq: int
    at: datetime
    kind: str
    appeal_id: int | None
    actor: str
    data: str
    prev_hash: str
    hash: str
    id: int | None = None


def append(session: Session, row: AuditChain, event: Appended) -> None:
    """Queue ``event`` and move the chain's head to it."""
    memo.of(session).setdefault(_PENDING, []).append(event)
    # The head is an ORM row: changing it is what makes the session flush, and a savepoint
    # rolled back restores it.
    row.length, row.head_hash = event.seq, event.hash


def _read(session: Session, chain: str) -> AuditChain:
    """The chain's head row, locked until commit (created for a new chain)."""
    query = (
        sa.select(AuditChain)
        .where(AuditChain.name == chain)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = session.execute(query).scalars().first()
    if found is None:
        # Two first events of the membership chain could meet only on an empty database:
        # let one insert win.
        session.execute(
            insert_unless_present(session, AuditChain, key="name").values(
                name=chain, length=0, head_hash=GENESIS_HASH
            )
        )
        found = session.execute(query).scalars().one()
    return found


# Core, not AuditEvent objects and a unit of work (bench/writes.py: they cost more CPU than
# the statement). One multi-row INSERT, its rows in the order recorded (so ids follow
# ``seq``); the ids come back with each row's place in its chain, whatever their order.
_TABLE = AuditEvent.__table__
_INSERT_EVENTS = sa.insert(_TABLE).returning(_TABLE.c.id, _TABLE.c.chain, _TABLE.c.seq)
_COLUMNS = ("chain", "seq", "at", "kind", "appeal_id", "actor", "data", "prev_hash", "hash")


@sa.event.listens_for(Session, "after_flush")
def _write_events(session: Session, _flush_context) -> None:
    # After the flush's own rows: an appeal inserted by the same flush comes first.
    events = memo.take(session, _PENDING)
    if events:
        rows = [{name: getattr(event, name) for name in _COLUMNS} for event in events]
        ids = {(chain, seq): id_ for id_, chain, seq in session.connection().execute(
            _INSERT_EVENTS, rows
        )}  # fmt: skip
        for event in events:
            event.id = ids[event.chain, event.seq]
