"""The draws' summary gives the fairness report the events would give, whoever wrote it."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlmodel import select

from panel_service.appeals.submission import create_appeal
from panel_service.membership.changes import suspend_panelist
from panel_service.models import FairnessDraw, FairnessPick, FairnessPool, Panelist
from panel_service.panel import fairness, lifecycle
from panel_service.panel.seating import seated
from panel_service.record import draw_summary

from .. import factories

RESUBMITTED = "XN20259999000001"


def _submit(session, rules, at, **fields):
    return create_appeal(session=session, data=factories.appeal_input(**fields),
                         submitted_by="staff:t", rules=rules, now=at)  # fmt: skip


def draw_history(session, rules, start) -> list:
    """Three weeks of appeals from two departments (two pools a day: members of one sit only
    for the other), the pools changed by a suspension halfway, a recusal (a replacement draw)
    and a work order withdrawn and filed again (a continuation). Returns the appeals whose
    first draw the report counts, in order."""
    water = factories.DepartmentFactory(code="WATER", name="市水务局")
    factories.PanelistFactory(category="government", affiliation_id=water.id)
    session.commit()
    first_member = session.exec(select(Panelist).order_by(Panelist.id)).first()
    counted = []
    for day in range(21):
        for hours, department in ((1, "HOUSING"), (9, "WATER"), (9.5, "HOUSING")):
            counted.append(_submit(session, rules, start + timedelta(days=day, hours=hours),
                                   department=department))  # fmt: skip
        session.commit()
        at = start + timedelta(days=day, hours=12)
        if day == 3:
            seat = seated(session=session, appeal_id=counted[-1].id)[0]
            lifecycle.recuse(session=session, assignment=seat, note=None, rules=rules, now=at)
        if day == 5:
            counted.append(_submit(session, rules, at, work_order_no=RESUBMITTED))
            session.commit()
            lifecycle.withdraw_appeal(session=session, appeal=counted[-1], reason="材料补充",
                                      actor="staff:t", now=at)  # fmt: skip
            session.commit()
            _submit(session, rules, at + timedelta(hours=1), work_order_no=RESUBMITTED)
        if day == 10:
            suspend_panelist(session=session, panelist=first_member, actor="admin", rules=rules,
                             now=at)  # fmt: skip
        session.commit()
    return counted


def _sequential(records) -> dict[int, tuple[int, int, float]]:
    """The report's numbers as it computed them before the summary: draw by draw."""
    eligible, drawn, expected = defaultdict(int), defaultdict(int), defaultdict(float)
    for record in records:
        for pid, p in fairness.chances(record).items():
            expected[pid] += p
            eligible[pid] += 1
        for pid in record.picked:
            drawn[pid] += 1
    return {pid: (eligible[pid], drawn[pid], expected[pid]) for pid in expected}


def test_the_summary_gives_the_report_the_events_give(session, pool, department, rules, now):
    counted = draw_history(session, rules, now)
    periods = [
        (now, now + timedelta(days=30)),
        # Bounds on a draw's exact instant: the first one in, the last one out, as before.
        (counted[4].submitted_at, counted[40].submitted_at),
    ]
    for start, end in periods:
        records = fairness.draw_records(session=session, start=start, end=end)
        summed = fairness.period_report(session=session, start=start, end=end)
        assert summed == fairness.fairness_report(record for _id, record in records)
        appeals = draw_summary.drawn_appeals(session=session, start=start, end=end)
        assert appeals == [appeal_id for appeal_id, _record in records]
        # Integers as before to the unit; expectations as before but for the order of the
        # floating-point additions (pool by pool now, draw by draw then).
        before = _sequential(record for _id, record in records)
        assert {r.panelist_id: (r.eligible_draws, r.drawn) for r in summed.rows} == {
            pid: (eligible, drawn) for pid, (eligible, drawn, _e) in before.items()
        }
        for row in summed.rows:
            assert row.expected == pytest.approx(before[row.panelist_id][2], rel=1e-12)
    whole = fairness.period_report(session=session, start=now, end=now + timedelta(days=30))
    assert whole.draws == len(counted) == 64  # the continuation is not a draw of its own
    assert len(session.exec(select(FairnessPool)).all()) == 4  # two departments, two rosters


def test_the_backfill_writes_what_the_draws_wrote(session, pool, department, rules, now):
    draw_history(session, rules, now)
    written = summary_rows(session)
    for table in (FairnessPick, FairnessDraw, FairnessPool):
        session.execute(table.__table__.delete())
    session.commit()
    assert draw_summary.backfill(session.connection(), batch=7) == 64
    session.commit()
    assert summary_rows(session) == written
    assert draw_summary.backfill(session.connection()) == 0  # nothing twice


def summary_rows(session) -> tuple[list, list, list]:
    """Every summary row, in a stable order."""
    return tuple(
        [tuple(row) for row in session.execute(select(*table.__table__.c).order_by(*key)).all()]
        for table, key in (
            (FairnessPool, [FairnessPool.digest]),
            (FairnessDraw, [FairnessDraw.event_id]),
            (FairnessPick, [FairnessPick.event_id, FairnessPick.panelist_id]),
        )
    )


def test_a_pool_is_kept_once_however_many_draws_share_it(session, pool, department, rules, now):
    for hours in range(3):
        _submit(session, rules, now + timedelta(hours=hours))
    session.commit()
    (only,) = session.exec(select(FairnessPool)).all()
    assert only.members == "[" + ",".join(f'[{m.id},"{m.category}"]' for m in pool) + "]"
    draws = session.exec(select(FairnessDraw).order_by(FairnessDraw.event_id)).all()
    assert [d.pool for d in draws] == [only.digest] * 3
    assert len(session.exec(select(FairnessPick)).all()) == 15
