"""Opening a link, the confidentiality pledge and recusal (panel_service.panel.visits)."""

from __future__ import annotations

import ast
import inspect
from datetime import timedelta

import pytest
from sqlmodel import func, select

from panel_service import logredact
from panel_service.access import links
from panel_service.appeals import masking
from panel_service.appeals.submission import create_appeal
from panel_service.enums import AppealStatus, AssignmentState, AuditKind
from panel_service.models import Assignment, AuditEvent
from panel_service.panel import lifecycle, visits
from panel_service.panel.lifecycle import record_vote, withdraw_appeal
from panel_service.refusals import Refused

from .. import factories

OPINION = "部门已按规定办结,理由充分。"


def seats(session, appeal):
    return list(
        session.exec(
            select(Assignment).where(Assignment.appeal_id == appeal.id).order_by(Assignment.id)
        )
    )


def events(session, kind):
    return session.exec(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == kind)
    ).one()


@pytest.mark.parametrize("module", [visits, links, masking, logredact])
def test_domain_modules_do_not_import_flask(module):
    tree = ast.parse(inspect.getsource(module))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert not {"flask", "flask_babel", "flask_wtf"} & imported


def test_first_open_is_recorded_once(session, appeal, now):
    seat = seats(session, appeal)[0]
    assert visits.mark_opened(session=session, assignment=seat, now=now) is True
    session.commit()
    later = now + timedelta(hours=1)
    assert visits.mark_opened(session=session, assignment=seat, now=later) is False
    session.commit()
    session.refresh(seat)
    assert seat.first_opened_at == now
    assert events(session, AuditKind.LINK_OPENED) == 1


def test_pledge_is_confirmed_once_per_panelist(session, appeal, department, rules, now):
    seat = seats(session, appeal)[0]
    assert visits.pledge_confirmed(session=session, assignment=seat) is False
    assert visits.confirm_pledge(session=session, assignment=seat, now=now) is True
    session.commit()
    assert visits.confirm_pledge(session=session, assignment=seat, now=now) is False
    assert seat.pledge_confirmed_at == now
    assert events(session, AuditKind.PLEDGE_CONFIRMED) == 1

    # The same panelist on another appeal is not asked again.
    other_appeal = create_appeal(
        session=session,
        data=factories.appeal_input(department=department.code),
        submitted_by="staff:test",
        rules=rules,
        now=now,
    )
    session.commit()
    same = session.exec(
        select(Assignment).where(
            Assignment.appeal_id == other_appeal.id, Assignment.panelist_id == seat.panelist_id
        )
    ).first()
    if same is None:  # not drawn again by chance: seat them by hand for the check
        same = Assignment(
            appeal_id=other_appeal.id,
            panelist_id=seat.panelist_id,
            draw_round=9,
            link_nonce="00" * 8,
            deadline=other_appeal.deadline,
            created_at=now,
        )
        session.add(same)
        session.commit()
    assert visits.pledge_confirmed(session=session, assignment=same) is True
    assert same.pledge_confirmed_at is None


def test_recusal_closes_the_seat_and_draws_a_substitute(session, appeal, rules, now):
    seat = seats(session, appeal)[0]
    nonce = seat.link_nonce
    substitute = lifecycle.recuse(
        session=session, assignment=seat, note="  与申诉单位有业务往来  ", rules=rules, now=now
    ).substitute
    session.commit()
    session.refresh(seat)
    assert seat.state == AssignmentState.RECUSED
    assert seat.recusal_reason == "与申诉单位有业务往来"
    assert seat.closed_at == now
    assert seat.link_nonce != nonce
    assert substitute is not None and substitute.state == AssignmentState.PENDING
    assert substitute.panelist_id != seat.panelist_id
    assert len(seats(session, appeal)) == 6
    for kind in (AuditKind.RECUSAL, AuditKind.LINK_REVOKED, AuditKind.REPLACEMENT):
        assert events(session, kind) == 1


def test_recusal_without_a_reason(session, appeal, rules, now):
    seat = seats(session, appeal)[0]
    lifecycle.recuse(session=session, assignment=seat, note="   ", rules=rules, now=now)
    session.commit()
    assert seat.recusal_reason is None


def _vote(session, seat, rules, now):
    record_vote(
        session=session, assignment=seat, vote="agree", opinion=OPINION, rules=rules, now=now
    )
    session.commit()


@pytest.mark.parametrize("situation", ["already_voted", "decided", "withdrawn", "expired"])
def test_recusal_is_refused_when_the_seat_is_not_open(session, appeal, rules, now, situation):
    panel = seats(session, appeal)
    seat = panel[-1]
    when = now
    if situation == "already_voted":
        _vote(session, seat, rules, now)
    elif situation == "decided":
        for other in panel[:3]:
            _vote(session, other, rules, now)
    elif situation == "withdrawn":
        withdraw_appeal(session=session, appeal=appeal, reason="部门撤回", actor="staff", now=now)
        session.commit()
    else:
        when = seat.deadline
    with pytest.raises(Refused) as refused:
        lifecycle.recuse(session=session, assignment=seat, note=None, rules=rules, now=when)
    assert refused.value.code == situation
    session.rollback()
    assert events(session, AuditKind.RECUSAL) == 0


def test_recusal_reason_is_bounded(session, appeal, rules, now):
    seat = seats(session, appeal)[0]
    with pytest.raises(Refused) as refused:
        lifecycle.recuse(
            session=session,
            assignment=seat,
            note="长" * (lifecycle.RECUSAL_NOTE_MAX + 1),
            rules=rules,
            now=now,
        )
    assert refused.value.code == "too_long"
    assert seat.state == AssignmentState.PENDING


def test_recusal_with_no_substitute_left_stalls_the_appeal(session, appeal, rules, now):
    from panel_service.models import Appeal

    seat = seats(session, appeal)[0]
    stored = session.get(Appeal, appeal.id)
    stored.draw_position = len(stored.draw_pool_ids)  # every candidate already used
    session.commit()
    change = lifecycle.recuse(session=session, assignment=seat, note=None, rules=rules, now=now)
    assert (change.outcome, change.substitute) == ("stalled", None)
    session.commit()
    assert session.get(Appeal, appeal.id).status == AppealStatus.STALLED
