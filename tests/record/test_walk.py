"""The chain walk hashes exactly what the audit trail hashed, from the driver's values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from panel_service.models import AuditEvent
from panel_service.record import audit, walk
from panel_service.timeutil import UTCDateTime

EVENTS = [
    # chain, seq, appeal, actor, kind, data
    ("appeal:7", 3, 7, "panelist:12", "vote.recorded", '{"assignment":31,"seal":"ab"}'),
    ("membership", 1, None, "admin", "panelist.added", '{"name":"王 \\"小\\" 明\\n"}'),
    ("membership", 12, None, 'x"\\\n\t\u0001\u2028', "panelist.changed", '{"é":"\u00e9"}'),
    ("legacy", 5, 42, "系统", "panel.drawn", '{"pool":[[1,"cppcc"]]}'),
    ("legacy", 6, None, "seed", "panelist.added", "{}"),
]


@pytest.mark.parametrize(("chain", "seq", "appeal_id", "actor", "kind", "data"), EVENTS)
@pytest.mark.parametrize("micro", [0, 1, 999999])
def test_the_digest_is_the_one_the_trail_records(chain, seq, appeal_id, actor, kind, data, micro):
    at = datetime(2025, 9, 24, 2, 0, 5, micro, tzinfo=UTC)
    expected = audit.event_hash(chain=chain, seq=seq, prev_hash="c" * 64, at=at, kind=kind,
                                appeal_id=appeal_id, actor=actor, data=data)  # fmt: skip
    stored = at.replace(tzinfo=None)
    for raw in (stored, str(stored), stored.isoformat()):  # PostgreSQL's, SQLite's spellings
        text = walk.instant_text(raw)
        assert walk.event_digest(chain, seq, "c" * 64, text, kind, appeal_id, actor,
                                 data) == expected  # fmt: skip


@pytest.mark.parametrize(
    "raw",
    ["2025-09-24 02:00:05.000001", "2025-09-24 02:00:05", "2025-09-24T02:00:05.5",
     datetime(2025, 9, 24, 2, 0, 5), datetime(2025, 9, 24, 2, 0, 5, 120)],
)  # fmt: skip
def test_a_stored_instant_reads_as_the_typed_column_reads_it(raw):
    typed = UTCDateTime().process_result_value(
        datetime.fromisoformat(raw) if isinstance(raw, str) else raw, None
    )
    assert walk.instant_text(raw) == typed.isoformat(timespec="microseconds")


def test_every_event_is_handed_on_in_chain_order(session, appeal, now):
    audit.record(session=session, kind="panelist.added", actor="admin", data={}, now=now)
    session.commit()
    seen = []
    report = walk.walk_chains(session=session, batch=2, on_event=lambda *e: seen.append(e))
    events = session.exec(select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq)).all()
    assert report.ok and report.checked == len(events) == len(seen)
    assert seen == [
        (e.id, e.appeal_id, e.kind, e.data, e.at.isoformat(timespec="microseconds"))
        for e in events
    ]
