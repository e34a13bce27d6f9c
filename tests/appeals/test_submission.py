"""Creating and withdrawing appeals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from panel_service.appeals.submission import AppealInvalid, DuplicateAppeal, create_appeal
from panel_service.enums import AppealStatus, AssignmentState, AuditKind
from panel_service.models import Appeal, Assignment, AuditEvent
from panel_service.panel.lifecycle import withdraw_appeal
from panel_service.refusals import Invalid, Refused

from .. import factories


def submit(session, rules, now, **fields):
    appeal = create_appeal(
        session=session,
        data=factories.appeal_input(**fields),
        submitted_by="staff:li",
        rules=rules,
        now=now,
    )
    session.commit()
    return appeal


def test_an_appeal_gets_a_reference_a_deadline_and_five_panelists(session, pool, rules, now):
    appeal = submit(session, rules, now)
    assert appeal.reference == f"AP-2025-{appeal.id:06d}"
    assert appeal.deadline == now + rules.voting_window
    assert appeal.status == AppealStatus.OPEN and appeal.decision is None
    seats = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).all()
    assert len(seats) == 5 and {s.state for s in seats} == {AssignmentState.PENDING}
    assert len({s.link_nonce for s in seats}) == 5
    events = select(AuditEvent).where(AuditEvent.appeal_id == appeal.id).order_by(AuditEvent.id)
    assert [e.kind for e in session.exec(events)] == [
        AuditKind.APPEAL_CREATED,
        AuditKind.PANEL_DRAWN,
    ]


@pytest.mark.parametrize(
    ("instant", "prefix"),
    [
        (datetime(2025, 12, 31, 15, 30, tzinfo=UTC), "AP-2025-"),  # 23:30 on 31 Dec in Beijing
        (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), "AP-2026-"),  # 07:30 on 1 Jan in Beijing
    ],
)
def test_the_reference_year_is_the_year_in_beijing(session, pool, rules, instant, prefix):
    appeal = submit(session, rules, instant)
    assert appeal.reference == f"{prefix}{appeal.id:06d}"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"work_order_no": ""}, {"work_order_no"}),
        ({"citizen_request": "  "}, {"citizen_request"}),
        ({"policy_basis": "x" * 5001}, {"policy_basis"}),
        ({"department": "NOPE"}, {"department"}),
        ({"department": ""}, {"department"}),
        ({"repeat_calls": 1}, {"repeat_calls"}),
        ({"repeat_calls": "three"}, {"repeat_calls"}),
        ({"repeat_calls": True}, {"repeat_calls"}),
        ({"appeal_reason": "含\x00空字符"}, {"appeal_reason"}),
        (
            {"work_order_no": "", "department": "NOPE", "repeat_calls": 0},
            {"work_order_no", "department", "repeat_calls"},
        ),
    ],
)
def test_invalid_input_names_every_bad_field_and_stores_nothing(
    session, pool, rules, now, fields, errors
):
    with pytest.raises(AppealInvalid) as info:
        submit(session, rules, now, **fields)
    session.rollback()
    assert set(info.value.errors) == errors
    assert session.exec(select(func.count()).select_from(Appeal)).one() == 0


def test_one_live_appeal_per_work_order(session, pool, rules, now):
    first = submit(session, rules, now, work_order_no="XN20250924000001")
    with pytest.raises(DuplicateAppeal) as info:
        submit(session, rules, now, work_order_no="XN20250924000001")
    session.rollback()
    assert info.value.reference == first.reference


def test_a_withdrawn_appeal_frees_its_work_order(session, pool, rules, now):
    first = submit(session, rules, now, work_order_no="XN20250924000002")
    withdraw_appeal(session=session, appeal=first, reason="部门撤回", actor="staff:li", now=now)
    session.commit()
    second = submit(session, rules, now, work_order_no="XN20250924000002")
    assert second.id != first.id


def test_the_database_refuses_a_second_live_appeal_even_past_the_check(session, pool, rules, now):
    first = submit(session, rules, now, work_order_no="XN20250924000003")
    clone = Appeal(
        reference="AP-X",
        work_order_no="XN20250924000003",
        department_id=first.department_id,
        citizen_request="a",
        department_reply="b",
        appeal_reason="c",
        policy_basis="d",
        repeat_calls=2,
        submitted_by="x",
        submitted_at=now,
        deadline=now,
    )
    session.add(clone)
    with pytest.raises(Exception, match="(?i)unique"):
        session.commit()
    session.rollback()


def test_withdrawal_closes_pending_seats_and_revokes_their_links(session, appeal, now):
    before = {
        s.id: s.link_nonce
        for s in session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id))
    }
    closed = withdraw_appeal(
        session=session, appeal=appeal, reason="工单已重新派发", actor="staff:li", now=now
    )
    session.commit()
    assert len(closed) == 5
    for seat in session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)):
        assert seat.state == AssignmentState.CLOSED
        assert seat.link_nonce != before[seat.id]
    stored = session.get(Appeal, appeal.id)
    assert (stored.status, stored.withdrawn_reason) == (AppealStatus.WITHDRAWN, "工单已重新派发")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_withdrawal_needs_a_reason(session, appeal, now, reason):
    with pytest.raises(Invalid) as info:
        withdraw_appeal(session=session, appeal=appeal, reason=reason, actor="staff:li", now=now)
    assert info.value.errors == {"reason": "required"}


def test_a_decided_appeal_cannot_be_withdrawn(session, appeal, now):
    appeal.status = AppealStatus.DECIDED
    session.add(appeal)
    session.commit()
    with pytest.raises(Refused) as info:
        withdraw_appeal(session=session, appeal=appeal, reason="晚了", actor="staff:li", now=now)
    assert info.value.code == "not_withdrawable"
