"""Every audit event read once, in chain order, for ``panel audit verify``.

Over 1,200,000 events the check took 70-95 s (BENCHMARKS.md, "growth"): SQLAlchemy rows,
the ``at`` column's conversion, and ``canonical_json`` building a dict and a JSON encoder
per event, then a second read of most events for the cross-check. Here the events come
straight from the driver's cursor (server-side on PostgreSQL, so memory stays flat), the
hashed text is written with one format string, and each event is handed on to the
cross-check (``record/verify.py``) in the same pass.

The format string must give exactly ``audit.canonical_json`` of ``audit.event_hash``'s
fields (sorted keys, no spaces, strings escaped as ``json.dumps(ensure_ascii=False)``
does); tests/record/test_walk.py holds them together.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from json.encoder import encode_basestring as _quote  # json.dumps's, ensure_ascii=False

from sqlmodel import Session

from ..enums import ChainProblem
from .audit import GENESIS_HASH, LEGACY_CHAIN, ChainReport

_EVENT = "{%s}"
_FIELDS = '"actor":%s,"appeal":%s,"at":"%s","chain":%s,"data":%s,"kind":%s,"prev":%s,"seq":%d'
_LEGACY_FIELDS = '"actor":%s,"appeal":%s,"at":"%s","data":%s,"kind":%s,"prev":%s'
_cursors = itertools.count()  # PostgreSQL names each open server-side cursor
_EVENTS = (
    "SELECT id, chain, seq, at, kind, appeal_id, actor, data, prev_hash, hash"
    " FROM audit_event ORDER BY chain, seq"
)


def rows(session: Session, sql: str, *, batch: int = 10000) -> Iterator[tuple]:
    """The rows of ``sql`` as the driver gives them: no conversion, ``batch`` at a time."""
    raw = session.connection().connection.dbapi_connection
    server_side = session.get_bind().dialect.name == "postgresql" and not raw.autocommit
    cursor = raw.cursor(name=f"panel_walk_{next(_cursors)}") if server_side else raw.cursor()
    try:
        cursor.execute(sql)
        while found := cursor.fetchmany(batch):
            yield from found
    finally:
        cursor.close()


def instant_text(raw) -> str:
    """A stored ``at`` as the hash has it, from the driver's value (SQLite's text or
    PostgreSQL's naive datetime), exactly as ``UTCDateTime`` would read it."""
    value = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    return value.replace(tzinfo=UTC).isoformat(timespec="microseconds")


def event_digest(chain, seq, prev_hash, at_text, kind, appeal_id, actor, data) -> str:
    """``audit.event_hash`` of an event, written out with one format string."""
    appeal = "null" if appeal_id is None else str(int(appeal_id))
    if chain == LEGACY_CHAIN:  # the formula before 0006 had no chain or position
        fields = _LEGACY_FIELDS % (
            _quote(actor), appeal, at_text, _quote(data), _quote(kind), _quote(prev_hash)
        )
    else:
        fields = _FIELDS % (_quote(actor), appeal, at_text, _quote(chain), _quote(data),
                            _quote(kind), _quote(prev_hash), seq)  # fmt: skip
    return hashlib.sha256((_EVENT % fields).encode("utf-8")).hexdigest()


def walk_chains(
    *, session: Session, batch: int = 10000, on_event: Callable[..., None] | None = None
) -> ChainReport:
    """Walk every chain in order; name the first event whose place, link or hash is wrong.

    Also checks each chain's recorded head: a chain that ends before its recorded length,
    or events of a chain nobody recorded. ``on_event(id, appeal_id, kind, data, at)`` sees
    every event up to the first problem (``at`` as ``instant_text`` writes it).
    """
    heads = {
        name: (length, head)
        for name, length, head in rows(session, "SELECT name, length, head_hash FROM audit_chain")
    }
    checked, seen = 0, 0
    current, expected_seq, prev_hash = None, 1, GENESIS_HASH

    def close(chain: str | None, length: int, last_hash: str) -> ChainProblem | None:
        if chain is None:
            return None
        head = heads.pop(chain, None)
        if head is None:
            return ChainProblem.NO_HEAD
        return None if head == (length, last_hash) else ChainProblem.TAIL_MISSING

    for ident, chain, seq, at, kind, appeal_id, actor, data, prev, digest in rows(
        session, _EVENTS, batch=batch
    ):
        if chain != current:
            problem = close(current, expected_seq - 1, prev_hash)
            if problem:
                return ChainReport(checked, seen, None, current, problem)
            current, expected_seq, prev_hash, seen = chain, 1, GENESIS_HASH, seen + 1
        if seq != expected_seq:
            return ChainReport(checked, seen, ident, chain, ChainProblem.MISSING_EVENT)
        if prev != prev_hash:
            return ChainReport(checked, seen, ident, chain, ChainProblem.BAD_LINK)
        at = instant_text(at)
        if event_digest(chain, seq, prev, at, kind, appeal_id, actor, data) != digest:
            return ChainReport(checked, seen, ident, chain, ChainProblem.BAD_HASH)
        if on_event is not None:
            on_event(ident, appeal_id, kind, data, at)
        prev_hash, expected_seq, checked = digest, expected_seq + 1, checked + 1
    problem = close(current, expected_seq - 1, prev_hash)
    if problem:
        return ChainReport(checked, seen, None, current, problem)
    for name, (length, _head) in sorted(heads.items()):
        if length:
            return ChainReport(checked, seen, None, name, ChainProblem.ALL_MISSING)
    return ChainReport(checked, seen)
