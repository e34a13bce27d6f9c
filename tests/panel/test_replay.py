"""Replaying an appeal's draw and replacements from the audit trail."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from panel_service.enums import AssignmentState, SeatReason
from panel_service.models import Assignment, Panelist
from panel_service.panel.lifecycle import vacate_seat
from panel_service.panel.replay import replay_draw


def _replace_twice(session, appeal, rules, now):
    for _ in range(2):
        seat = session.exec(
            select(Assignment)
            .where(Assignment.appeal_id == appeal.id, Assignment.state == AssignmentState.PENDING)
            .order_by(Assignment.id)
        ).first()
        vacate_seat(
            session=session,
            assignment=seat,
            reason=SeatReason("no_response"),
            actor="system",
            rules=rules,
            now=now,
        )
    session.commit()


def test_replay_matches_a_draw_with_replacements(session, appeal, rules, now):
    # Make the next candidate ineligible so a replacement has to pass someone over.
    upcoming = appeal.draw_pool_ids
    taken = {s.panelist_id for s in session.exec(select(Assignment))}
    session.get(Panelist, next(p for p in upcoming if p not in taken)).active = False
    _replace_twice(session, appeal, rules, now)
    report = replay_draw(session=session, appeal=appeal)
    assert report.ok, report.problems
    assert [step.split(":")[0] for step in report.steps] == [
        "seed", "draw", "replacement round 1", "replacement round 2",
    ]  # fmt: skip


def test_replay_detects_a_swapped_panelist(session, appeal, rules, now):
    seat = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).first()
    outsider = next(
        p
        for p in appeal.draw_pool_ids
        if p not in {s.panelist_id for s in session.exec(select(Assignment))}
    )
    session.execute(
        sa.update(Assignment).where(Assignment.id == seat.id).values(panelist_id=outsider)
    )
    session.commit()
    report = replay_draw(session=session, appeal=appeal)
    assert not report.ok and "seated" in report.problems[0]


def test_replay_detects_a_changed_seed(session, appeal):
    appeal.draw_seed = "00" * 32
    report = replay_draw(session=session, appeal=appeal)
    assert not report.ok and "seed" in report.problems[0]
