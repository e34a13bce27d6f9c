"""The panelist's link page: opening it, the pledge, the vote, every state, recusal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from panel_service import timeutil
from panel_service.enums import AssignmentState, AuditKind, VoteChoice
from panel_service.membership.changes import retire_panelist
from panel_service.models import Appeal, Assignment, Panelist
from panel_service.panel.lifecycle import record_vote, withdraw_appeal

from ..panelist_pages import OPINION, count, csrf_from, fresh, pledge, seats, text, vote


@pytest.fixture
def seat(session, appeal):
    return seats(session, appeal)[0]


@pytest.fixture
def token(seat, make_link):
    return make_link(seat)


@pytest.fixture
def pledged(client, token):
    """The panelist has opened the link and confirmed the pledge; returns the vote form."""
    return pledge(client, token)


# -- opening the link ------------------------------------------------------------------


def test_first_visit_asks_for_the_pledge_and_records_the_opening(client, session, seat, token):
    response = client.get(f"/v/{token}")
    assert response.status_code == 200
    assert "保密承诺" in text(response)
    assert 'name="vote"' not in text(response)
    assert fresh(session, Assignment, seat.id).first_opened_at is not None
    client.get(f"/v/{token}")
    assert count(session, AuditKind.LINK_OPENED) == 1


def test_head_answers_like_get_and_changes_nothing(client, session, seat, token):
    response = client.head(f"/v/{token}")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Cache-Control"] == "no-store"
    stored = fresh(session, Assignment, seat.id)
    assert stored.first_opened_at is None and stored.state == AssignmentState.PENDING
    assert count(session, AuditKind.LINK_OPENED) == 0


def test_pledge_is_recorded_with_its_time_and_asked_once(client, session, seat, token, now):
    page = client.get(f"/v/{token}")
    response = client.post(f"/v/{token}/pledge", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    assert fresh(session, Assignment, seat.id).pledge_confirmed_at == now
    assert 'name="vote"' in text(client.get(f"/v/{token}"))
    assert count(session, AuditKind.PLEDGE_CONFIRMED) == 1


def test_pledge_without_csrf_token_is_not_recorded(client, session, seat, token):
    response = client.post(f"/v/{token}/pledge", data={})
    assert response.status_code == 422
    assert "页面已过期" in text(response)
    assert fresh(session, Assignment, seat.id).pledge_confirmed_at is None


def test_page_shows_the_appeal_with_numbers_masked(session, appeal, pledged):
    page = text(pledged)
    assert appeal.reference in page
    assert "小区路灯损坏两个月无人维修" in page
    assert "已于9月20日更换路灯12盏" in page
    assert "已按时办结并恢复照明" in page
    assert "《城市照明管理规定》第二十一条" in page
    assert "<dd>3</dd>" in page  # repeat calls
    # 02:00 UTC + 72 h, in Asia/Shanghai, written as the SMS wrote it.
    assert "9月27日（周六）10:00（北京时间）" in page
    assert "保密提示" in page
    assert "139****1234" in page and "13907151234" not in page
    assert "13907151234" in fresh(session, Appeal, appeal.id).citizen_request


# -- voting -----------------------------------------------------------------------------


def test_a_vote_is_recorded_and_the_link_then_shows_the_receipt(
    client, session, seat, token, pledged, now
):
    response = vote(client, token, pledged, choice="disagree")
    assert response.status_code == 303
    stored = fresh(session, Assignment, seat.id)
    assert (stored.state, stored.vote, stored.opinion) == (
        AssignmentState.VOTED,
        VoteChoice.DISAGREE,
        OPINION,
    )
    receipt = client.get(response.headers["Location"])
    page = text(receipt)
    assert receipt.status_code == 200
    assert "您的投票已记录" in page and "不同意" in page and OPINION in page
    assert "2025年9月24日（周三）10:00（北京时间）" in page
    assert "<form" not in page and 'name="vote"' not in page


def test_a_replayed_post_records_exactly_one_vote(client, session, seat, token, pledged):
    first = vote(client, token, pledged, choice="agree")
    second = vote(
        client, token, pledged, choice="disagree", opinion="我改主意了,我不同意这个申诉。"
    )
    assert first.status_code == 303
    assert second.status_code == 200
    assert "您已对此申诉投过票" in text(second)
    assert fresh(session, Assignment, seat.id).vote == VoteChoice.AGREE
    assert count(session, AuditKind.VOTE_RECORDED) == 1


def test_two_tabs_record_exactly_one_vote(app, session, seat, token, pledged, client):
    other_tab = app.test_client()
    other_form = other_tab.get(f"/v/{token}")
    assert vote(client, token, pledged).status_code == 303
    late = vote(other_tab, token, other_form, choice="disagree")
    assert "您已对此申诉投过票" in text(late)
    assert count(session, AuditKind.VOTE_RECORDED) == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"opinion": OPINION}, "vote", "请选择同意或不同意"),
        ({"vote": "maybe", "opinion": OPINION}, "vote", "请选择同意或不同意"),
        ({"vote": "agree", "opinion": "太短了"}, "opinion", "请填写10至2000字的评议意见"),
        (
            {"vote": "agree", "opinion": "     太短了      "},
            "opinion",
            "请填写10至2000字的评议意见",
        ),
        ({"vote": "agree", "opinion": "长" * 2001}, "opinion", "请填写10至2000字的评议意见"),
        ({"vote": "agree", "opinion": ""}, "opinion", "请填写评议意见"),
    ],
)
def test_invalid_input_shows_the_form_again_with_what_was_typed(
    client, session, seat, token, pledged, data, field, message
):
    response = client.post(f"/v/{token}", data={"csrf_token": csrf_from(pledged), **data})
    page = text(response)
    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in page
    if data.get("opinion", "").strip():
        assert data["opinion"].strip()[:50] in page
    if data.get("vote") == "agree":
        assert re.search(r'value="agree"[^>]*checked|checked[^>]*value="agree"', page)
    assert fresh(session, Assignment, seat.id).state == AssignmentState.PENDING


def test_a_vote_without_a_valid_csrf_token_is_refused_but_kept(
    client, session, seat, token, pledged
):
    response = vote(client, token, pledged, csrf_token="forged")
    assert response.status_code == 422
    assert "页面已过期,请核对内容后重新提交".replace(",", "，") in text(response)
    assert OPINION in text(response)
    assert fresh(session, Assignment, seat.id).state == AssignmentState.PENDING


def test_vote_needs_the_pledge_first(client, session, seat, token):
    page = client.get(f"/v/{token}")
    response = vote(client, token, page)
    assert "保密承诺" in text(response)
    assert fresh(session, Assignment, seat.id).state == AssignmentState.PENDING


# -- the other states ---------------------------------------------------------------------


def test_decided_before_you_voted(client, session, appeal, rules, now, make_link):
    panel = seats(session, appeal)
    for other in panel[1:4]:
        record_vote(
            session=session, assignment=other, vote="agree", opinion=OPINION, rules=rules, now=now
        )
    session.commit()
    response = client.get(f"/v/{make_link(panel[0])}")
    assert response.status_code == 200
    assert "感谢您，评价团已完成评议" in text(response)
    assert "<form" not in text(response)


def test_decided_while_the_form_was_open(client, session, appeal, token, pledged, rules, now):
    for other in seats(session, appeal)[1:4]:
        record_vote(
            session=session, assignment=other, vote="agree", opinion=OPINION, rules=rules, now=now
        )
    session.commit()
    response = vote(client, token, pledged)
    assert "评价团已完成评议" in text(response)
    assert count(session, AuditKind.VOTE_RECORDED) == 3


def test_a_vote_the_lock_finds_decided_is_told_so_without_reading_the_seat_again(
    client, session, appeal, token, pledged, rules, now, monkeypatch, statements
):
    """The decision came between the page's read and the vote's lock (the lifecycle refuses
    with DECIDED): the answer needs nothing but the appeal's reference."""
    from panel_service.views.panelist import pages

    def decided_meanwhile(*, session, assignment, **_kwargs):
        for other in seats(session, appeal)[1:4]:
            record_vote(session=session, assignment=other, vote="agree", opinion=OPINION,
                        rules=rules, now=now)  # fmt: skip
        return record_vote(session=session, assignment=assignment, vote="agree",
                           opinion=OPINION, rules=rules, now=now)  # fmt: skip

    monkeypatch.setattr(pages.lifecycle, "record_vote", decided_meanwhile)
    response = vote(client, token, pledged)
    assert "评价团已完成评议" in text(response) and appeal.reference in text(response)
    assert not any("FROM assignment JOIN appeal" in s for s in statements[1:])
    assert count(session, AuditKind.VOTE_RECORDED) == 0  # all rolled back with the refusal


def test_the_link_stops_working_after_the_deadline(client, session, seat, token, pledged):
    timeutil.set_clock(lambda: seat.deadline)
    response = client.get(f"/v/{token}")
    assert response.status_code == 410
    assert "投票已截止" in text(response) and "<form" not in text(response)
    late = vote(client, token, pledged)
    assert late.status_code == 410
    assert fresh(session, Assignment, seat.id).state == AssignmentState.PENDING


def test_just_before_the_deadline_the_vote_counts(client, session, seat, token, pledged):
    timeutil.set_clock(lambda: seat.deadline - timedelta(seconds=1))
    assert vote(client, token, pledged).status_code == 303


def test_withdrawn_appeal(client, session, appeal, token, now):
    withdraw_appeal(session=session, appeal=appeal, reason="部门撤回申诉", actor="staff", now=now)
    session.commit()
    response = client.get(f"/v/{token}")
    assert response.status_code == 410
    assert "申诉已撤回" in text(response) and appeal.reference in text(response)


def test_a_replaced_panelists_link_is_plainly_invalid(client, session, seat, token, rules, now):
    panelist = session.get(Panelist, seat.panelist_id)
    retire_panelist(session=session, panelist=panelist, actor="staff", rules=rules, now=now)
    session.commit()
    response = client.get(f"/v/{token}")
    assert response.status_code == 404
    assert "链接无效" in text(response)
    assert "AP-" not in text(response)


# -- recusal ---------------------------------------------------------------------------------


def test_recusal_draws_a_substitute_and_revokes_the_link(client, session, appeal, seat, token):
    form = client.get(f"/v/{token}/recuse")
    assert form.status_code == 200
    assert fresh(session, Assignment, seat.id).state == AssignmentState.PENDING
    response = client.post(
        f"/v/{token}/recuse", data={"csrf_token": csrf_from(form), "note": "本人与该部门有亲属关系"}
    )
    assert response.status_code == 200
    assert "您已申请回避" in text(response)
    stored = fresh(session, Assignment, seat.id)
    assert stored.state == AssignmentState.RECUSED
    assert stored.recusal_reason == "本人与该部门有亲属关系"
    assert len(seats(session, appeal)) == 6
    assert client.get(f"/v/{token}").status_code == 404


def test_recusal_after_voting_shows_the_receipt(client, session, seat, token, pledged):
    vote(client, token, pledged)
    response = client.post(f"/v/{token}/recuse", data={"csrf_token": csrf_from(pledged)})
    assert "您的投票已记录" in text(response)
    assert fresh(session, Assignment, seat.id).state == AssignmentState.VOTED


def test_recusal_reason_too_long_keeps_the_form(client, session, seat, token):
    form = client.get(f"/v/{token}/recuse")
    response = client.post(
        f"/v/{token}/recuse", data={"csrf_token": csrf_from(form), "note": "长" * 501}
    )
    assert response.status_code == 422
    assert 'id="note-error"' in text(response)
    assert fresh(session, Assignment, seat.id).state == AssignmentState.PENDING
