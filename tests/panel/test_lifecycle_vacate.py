"""Vacating a seat and filling it from the same published candidate order."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from panel_service.enums import (
    AppealStatus,
    AssignmentState,
    AuditKind,
    PanelistCategory,
    SeatReason,
)
from panel_service.models import Appeal, Assignment, AuditEvent, Panelist
from panel_service.panel.draw import candidate_order
from panel_service.panel.lifecycle import recuse, vacate_seat

from .. import factories


def first_seat(session, appeal):
    return session.exec(
        select(Assignment).where(Assignment.appeal_id == appeal.id).order_by(Assignment.id)
    ).first()


def replace(session, seat, rules, now, reason=SeatReason.NO_RESPONSE):
    change = vacate_seat(
        session=session, assignment=seat, reason=reason, actor="system", rules=rules, now=now
    )
    session.commit()
    return change and change.substitute


def test_replacement_takes_the_next_candidate_in_the_published_order(session, appeal, rules, now):
    order = list(candidate_order(bytes.fromhex(appeal.draw_seed), appeal.draw_pool_ids))
    seat = first_seat(session, appeal)
    old_nonce = seat.link_nonce
    position = appeal.draw_position

    def is_government(pid):
        return session.get(Panelist, pid).category == PanelistCategory.GOVERNMENT

    remaining = [s.panelist_id for s in session.exec(select(Assignment)) if s.id != seat.id]
    government = sum(map(is_government, remaining))
    expected = next(
        p
        for p in order[position:]
        if not (is_government(p) and government >= rules.government_quota)
    )
    later = now + timedelta(hours=5)
    new = recuse(
        session=session, assignment=seat, note="与申诉单位有业务往来", rules=rules, now=later
    ).substitute
    session.commit()
    assert new.panelist_id == expected
    assert (new.draw_round, new.state, new.deadline) == (
        1,
        AssignmentState.PENDING,
        later + rules.voting_window,
    )
    assert seat.state == AssignmentState.RECUSED and seat.recusal_reason == "与申诉单位有业务往来"
    assert seat.link_nonce != old_nonce
    assert session.get(Appeal, appeal.id).deadline == new.deadline
    kinds = [e.kind for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert kinds[-3:] == [AuditKind.RECUSAL, AuditKind.LINK_REVOKED, AuditKind.REPLACEMENT]


def test_replacement_respects_the_government_quota(session, department, rules, now):
    from panel_service.appeals.submission import create_appeal

    factories.PanelistFactory.create_batch(3)
    factories.PanelistFactory.create_batch(6, category="government")
    session.commit()
    appeal = create_appeal(
        session=session, data=factories.appeal_input(), submitted_by="t", rules=rules, now=now
    )
    session.commit()
    seats = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).all()
    civilian = next(
        s
        for s in seats
        if session.get(Panelist, s.panelist_id).category != PanelistCategory.GOVERNMENT
    )
    # Only government members are left, and the panel already has 2: nobody may take the seat.
    assert replace(session, civilian, rules, now) is None
    stored = session.get(Appeal, appeal.id)
    assert stored.status == AppealStatus.STALLED
    event = session.exec(select(AuditEvent).where(AuditEvent.kind == AuditKind.STALLED)).one()
    assert "no_substitute" in event.data


def test_only_pending_seats_on_open_appeals_can_be_vacated(session, appeal, rules, now):
    from panel_service.panel.lifecycle import record_vote

    seat = first_seat(session, appeal)
    record_vote(
        session=session,
        assignment=seat,
        vote="agree",
        opinion="理由充分,支持申诉。",
        rules=rules,
        now=now,
    )
    session.commit()
    assert replace(session, seat, rules, now) is None
    assert session.get(Assignment, seat.id).state == AssignmentState.VOTED


def test_retiring_a_panelist_replaces_them_on_open_appeals(session, appeal, rules, now):
    from panel_service.membership.changes import retire_panelist

    seat = first_seat(session, appeal)
    panelist = session.get(Panelist, seat.panelist_id)
    replaced = retire_panelist(
        session=session, panelist=panelist, actor="admin", rules=rules, now=now
    )
    session.commit()
    assert len(replaced) == 1 and replaced[0].substitute.panelist_id != panelist.id
    assert session.get(Assignment, seat.id).state == AssignmentState.REPLACED
    assert not session.get(Panelist, panelist.id).active
