"""Per-panelist health figures."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from panel_service.enums import AssignmentState, SeatReason
from panel_service.membership.health import panel_health, panelist_history
from panel_service.models import Assignment
from panel_service.panel.lifecycle import record_vote, vacate_seat

OPINION = "处理过程合规,申诉理由成立。"


def test_health_counts_votes_recusals_no_shows_and_agreement(session, appeal, rules, now):
    seats = list(
        session.exec(
            select(Assignment).where(Assignment.appeal_id == appeal.id).order_by(Assignment.id)
        )
    )
    for hours, seat in zip((2, 4, 6), seats[:3], strict=True):
        vote = "agree" if hours < 6 else "disagree"
        record_vote(
            session=session,
            assignment=seat,
            vote=vote,
            opinion=OPINION,
            rules=rules,
            now=now + timedelta(hours=hours),
        )
    vacate_seat(
        session=session,
        assignment=seats[3],
        reason=SeatReason("recused"),
        actor="p",
        rules=rules,
        now=now,
    )
    vacate_seat(
        session=session,
        assignment=seats[4],
        reason=SeatReason("no_response"),
        actor="system",
        rules=rules,
        now=now + timedelta(hours=72),
    )
    replacement = session.exec(
        select(Assignment)
        .where(Assignment.state == AssignmentState.PENDING)
        .order_by(Assignment.id)
    ).all()[-1]
    record_vote(
        session=session,
        assignment=replacement,
        vote="agree",
        opinion=OPINION,
        rules=rules,
        now=now + timedelta(hours=80),
    )
    session.commit()
    rows = {row.panelist.id: row for row in panel_health(session=session)}
    first, third = rows[seats[0].panelist_id], rows[seats[2].panelist_id]
    assert (first.assignments, first.votes, first.median_hours_to_vote) == (1, 1, 2)
    assert (first.decided_votes, first.sided_with_decision, first.agreement_rate) == (1, 1, 1.0)
    assert (third.sided_with_decision, third.agreement_rate) == (0, 0.0)
    assert rows[seats[3].panelist_id].recusals == 1
    absent = rows[seats[4].panelist_id]
    assert (absent.no_shows, absent.votes, absent.response_rate) == (1, 0, 0.0)
    assert first.last_activity == now + timedelta(hours=2)
    untouched = [r for r in rows.values() if r.assignments == 0]
    assert len(untouched) == 20 - 7 and all(r.response_rate is None for r in untouched)


def test_history_lists_a_panelists_appeals(session, appeal):
    seat = session.exec(select(Assignment)).first()
    history = panelist_history(session=session, panelist_id=seat.panelist_id)
    assert [(a.id, ap.reference) for a, ap in history] == [(seat.id, appeal.reference)]


def test_a_no_show_whose_seat_closed_without_a_substitute_still_counts(
    session, appeal, rules, now
):
    """When the replacement rounds have run out, the late seats close (no substitute, so no
    replacement event): the seat's stored reason still makes its panelist a no-show."""
    from dataclasses import replace

    from panel_service.panel.lifecycle import expire_seats

    expire_seats(
        session=session,
        appeal_id=appeal.id,
        rules=replace(rules, max_replacement_rounds=0),
        now=appeal.deadline + timedelta(minutes=1),
    )
    session.commit()
    closed = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).all()
    assert {(s.state, s.closed_reason) for s in closed} == {
        (AssignmentState.CLOSED, SeatReason.NO_RESPONSE)
    }
    rows = {row.panelist.id: row for row in panel_health(session=session)}
    assert [rows[s.panelist_id].no_shows for s in closed] == [1] * 5
