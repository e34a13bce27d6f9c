"""The audit trail's hash chain: intact, tampered, deleted, forked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from panel_service.enums import AuditKind
from panel_service.models import AuditEvent
from panel_service.record import audit

from .. import factories


def _chain(session, now, n=4):
    for i in range(n):
        audit.record(
            session=session, kind=AuditKind.PANELIST_ADDED, actor="t", data={"n": i}, now=now
        )
    session.commit()
    return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))


@pytest.mark.no_epochs  # counts the events of the membership chain
def test_each_event_links_to_the_one_before(session, now):
    events = _chain(session, now)
    assert events[0].prev_hash == audit.GENESIS_HASH
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    report = audit.verify_chain(session=session)
    assert report.ok and report.checked == 4


@pytest.mark.no_epochs  # counts the events of the membership chain
def test_an_edited_event_is_named(session, now):
    events = _chain(session, now)
    session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == events[2].id).values(data='{"n":99}')
    )
    session.commit()
    report = audit.verify_chain(session=session)
    assert (report.ok, report.first_broken_id, report.checked) == (False, events[2].id, 2)
    assert report.problem == "bad_hash"


@pytest.mark.no_epochs  # counts the events of the membership chain
def test_a_deleted_event_breaks_the_link_of_the_next(session, now):
    events = _chain(session, now)
    session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[1].id))
    session.commit()
    report = audit.verify_chain(session=session)
    assert report.first_broken_id == events[2].id
    assert report.problem == "missing_event"


@pytest.mark.no_epochs  # counts the events of the membership chain
def test_verify_walks_the_chain_in_batches(session, now):
    _chain(session, now, n=7)
    assert audit.verify_chain(session=session, batch=2).checked == 7


@pytest.mark.no_epochs  # counts the events of the membership chain
def test_the_chain_cannot_fork(session, now):
    """A second event claiming the same place in the chain is refused by the database."""
    events = _chain(session, now, n=1)
    forged = AuditEvent(
        chain=events[0].chain,
        seq=events[0].seq,
        at=now,
        kind=AuditKind.PANELIST_ADDED,
        actor="x",
        data="{}",
        prev_hash=events[0].prev_hash,
        hash="f" * 64,
    )
    session.add(forged)
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()
    else:  # pragma: no cover - the assertion below explains the failure
        raise AssertionError("a forked chain was accepted")


def test_search_filters_by_kind_and_appeal_and_pages_newest_first(session, appeal, now):
    from datetime import timedelta

    window = dict(start=now - timedelta(1), end=now + timedelta(1))
    _chain(session, now, n=3)  # three panelist events with no appeal
    events, total = audit.search(session=session, **window, per_page=2)
    assert total == 5 and len(events) == 2 and events[0].id > events[1].id
    last_page, _total = audit.search(session=session, **window, page=3, per_page=2)
    assert len(last_page) == 1
    drawn, total = audit.search(session=session, **window, kind=AuditKind.PANEL_DRAWN)
    assert total == 1 and drawn[0].appeal_id == appeal.id
    mine, total = audit.search(session=session, **window, appeal_id=appeal.id)
    assert total == 2 and {e.kind for e in mine} == {
        AuditKind.APPEAL_CREATED,
        AuditKind.PANEL_DRAWN,
    }
    none, total = audit.search(session=session, **window, appeal_id=-1)
    assert (none, total) == ([], 0)


def test_each_appeal_has_its_own_chain_and_members_another(session, pool, department, rules, now):
    from panel_service.appeals.submission import create_appeal

    first, second = (
        create_appeal(session=session, data=factories.appeal_input(), submitted_by="t",
                      rules=rules, now=now)
        for _ in range(2)
    )  # fmt: skip
    audit.record(session=session, kind=AuditKind.PANELIST_ADDED, actor="admin", data={}, now=now)
    session.commit()
    by_chain = {}
    for event in session.exec(select(AuditEvent).order_by(AuditEvent.id)):
        by_chain.setdefault(event.chain, []).append(event)
    assert set(by_chain) == {"membership", f"appeal:{first.id}", f"appeal:{second.id}"}
    for chain, events in by_chain.items():
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].prev_hash == audit.GENESIS_HASH
        assert all(e.appeal_id is None for e in events) == (chain == "membership")
    report = audit.verify_chain(session=session)
    assert report.ok and report.chains == 3


def test_a_deleted_last_event_is_noticed_by_the_chains_head(session, appeal, now):
    last = session.exec(
        select(AuditEvent).where(AuditEvent.appeal_id == appeal.id).order_by(AuditEvent.id.desc())
    ).first()
    session.delete(last)
    session.commit()
    report = audit.verify_chain(session=session)
    assert (report.ok, report.chain) == (False, f"appeal:{appeal.id}")
    assert report.problem == "tail_missing"


def test_a_chain_with_every_event_deleted_is_noticed(session, appeal, now):
    session.execute(sa.delete(AuditEvent).where(AuditEvent.appeal_id == appeal.id))
    session.commit()
    report = audit.verify_chain(session=session)
    assert not report.ok and report.problem == "all_missing"


@pytest.mark.no_epochs  # counts the events of the membership chain
def test_events_are_written_together_at_the_flush_and_get_their_ids(session, now):
    """record() queues; the next flush writes the transaction's events in order, ids with
    them, and moves the head once; a rolled-back savepoint takes its own events along."""
    first = audit.record(session=session, kind=AuditKind.PANELIST_ADDED, actor="t", now=now)
    with pytest.raises(RuntimeError):
        with session.begin_nested():
            audit.record(session=session, kind=AuditKind.PANELIST_ADDED, actor="t", now=now)
            raise RuntimeError("undone")
    second = audit.record(session=session, kind=AuditKind.PANELIST_ADDED, actor="t", now=now)
    assert second.seq == 2 and second.prev_hash == first.hash
    session.flush()
    stored = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.id, e.seq, e.hash) for e in stored] == [
        (first.id, 1, first.hash), (second.id, 2, second.hash)
    ]
    session.commit()
    assert audit.verify_chain(session=session).ok
