"""Until the decision nobody but the panelist learns how the panel leans or who is to vote.

The scene: four of five panelists have voted, two against two, so the fifth is the deciding
voter. Every page and API answer staff, departments, admins and the hotline platform get
must look as if nobody, or everybody, had voted; after the decision everything shows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from panel_service.appeals.outcomes import outcome
from panel_service.enums import MessageKind, OutboxStatus
from panel_service.messaging import outbox
from panel_service.models import OutboxMessage, Panelist
from panel_service.panel import lifecycle, visits
from panel_service.panel.seating import seated
from panel_service.reports import timeline

OPINION = "材料齐全,处置得当,应当支持。"
# What a page would say about one seat's vote, in Chinese.
SEAT_WORDS = ("<td>已表决</td>", "<td>待表决</td>", "提交表决", "打开链接", "签署保密承诺")


@pytest.fixture
def split(session, appeal, rules, now):
    """Two agree, two disagree: undecided, the last seat decides. Returns the seats."""
    seats = seated(session=session, appeal_id=appeal.id)
    for seat, vote in zip(seats[:4], ["agree", "disagree", "agree", "disagree"], strict=True):
        visits.mark_opened(session=session, assignment=seat, now=now)
        visits.confirm_pledge(session=session, assignment=seat, now=now)
        lifecycle.record_vote(session=session, assignment=seat, vote=vote, opinion=OPINION,
                              rules=rules, now=now)  # fmt: skip
    # The reminder goes to the one seat still to vote.
    for seat in seats[4:]:
        message = outbox.queue(session=session, kind=MessageKind.REMINDER, now=now,
                               appeal_id=seat.appeal_id, assignment_id=seat.id)  # fmt: skip
        message.status, message.sent_at = OutboxStatus.SENT, now + timedelta(hours=20)
        message.delivered_at = now + timedelta(hours=20, seconds=5)
        session.add(message)
    session.commit()
    return seats


def _names(session, seats) -> list[str]:
    return [session.get(Panelist, s.panelist_id).name for s in seats]


def test_the_api_says_neither_how_many_voted_nor_how(api, appeal, split):
    one = api.get(f"/api/v1/appeals/{appeal.reference}").json
    listed = api.get("/api/v1/appeals").json["items"]
    for body in (one, *listed):
        assert body["status"] == "open"
        assert "votes_received" not in body
        assert body["votes"] is None and body["decision"] is None


def test_the_outcome_webhooks_share_keeps_the_count_until_decided(session, appeal, split):
    assert "votes_received" not in outcome(session=session, appeal=appeal)


def test_the_staff_page_shows_every_seat_alike(staff_client, session, appeal, split):
    page = staff_client.get(f"/staff/appeals/{appeal.reference}").get_data(as_text=True)
    for words in SEAT_WORDS:
        assert words not in page, words
    assert page.count("<td>在评价团中</td>") == 5
    names = _names(session, split)
    # The deciding voter is named no more, and no less, often than those who voted.
    assert len({page.count(name) for name in names}) == 1, {n: page.count(n) for n in names}
    assert "2:2" not in page and OPINION not in page


def test_the_staff_timeline_leaves_out_whatever_tells_who_voted(session, appeal, split):
    entries = timeline.timeline(session=session, appeal_id=appeal.id)
    kinds = {e.kind for e in entries}
    assert not kinds & {"vote.recorded", "link.opened", "pledge.confirmed"}
    assert all(e.detail.get("what") != "reminder" for e in entries)
    awaited = split[4].panelist_id
    voted = split[0].panelist_id
    count = [sum(p in e.panelist_ids for e in entries) for p in (awaited, voted)]
    assert count[0] == count[1]


def test_a_failed_reminder_shows_without_the_name(session, appeal, split):
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.kind == MessageKind.REMINDER)
    ).one()
    message.status = OutboxStatus.FAILED
    session.add(message)
    session.commit()
    failed = [e for e in timeline.timeline(session=session, appeal_id=appeal.id)
              if e.kind == "sms.failed"]  # fmt: skip
    assert failed and all(e.panelist_ids == () for e in failed)


@pytest.mark.parametrize("url", ["/staff/", "/staff/appeals"])
def test_the_staff_lists_show_no_count(staff_client, appeal, split, url):
    page = staff_client.get(url).get_data(as_text=True)
    assert appeal.reference in page
    assert "2:2" not in page and "4/5" not in page and "已表决" not in page


@pytest.mark.parametrize(
    "path", ["/department/", "/department/appeals", "/department/appeals/{ref}"]
)
def test_the_department_pages_show_no_count_and_no_opinion(department_client, appeal, split, path):
    page = department_client.get(path.format(ref=appeal.reference)).get_data(as_text=True)
    assert appeal.reference in page
    for words in (*SEAT_WORDS, "2:2", "4/5", OPINION, "已表决"):
        assert words not in page, words


def test_the_admin_home_does_not_count_the_seats_still_to_vote(
    admin_client, session, appeal, split, now
):
    late = split[4]
    late.deadline = now - timedelta(hours=1)  # overdue and not yet replaced by the worker
    session.add(late)
    session.commit()
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert appeal.reference in page
    assert "个席位自" not in page and "仍未表决" not in page


def test_a_withdrawn_appeal_keeps_who_had_voted_secret(
    staff_client, api, session, appeal, split, now
):
    lifecycle.withdraw_appeal(session=session, appeal=appeal, reason="市民撤销不满意评价",
                              actor="staff:test", now=now)  # fmt: skip
    session.commit()
    page = staff_client.get(f"/staff/appeals/{appeal.reference}").get_data(as_text=True)
    for words in (*SEAT_WORDS, "链接作废"):
        assert words not in page, words
    assert "votes_received" not in api.get(f"/api/v1/appeals/{appeal.reference}").json


def test_after_the_decision_everything_shows(
    staff_client, department_client, api, session, appeal, split, rules, now
):
    lifecycle.record_vote(session=session, assignment=split[4], vote="agree", opinion=OPINION,
                          rules=rules, now=now)  # fmt: skip
    session.commit()
    body = api.get(f"/api/v1/appeals/{appeal.reference}").json
    assert body["status"] == "decided" and body["votes_received"] == 5
    assert body["votes"] == {"agree": 3, "disagree": 2}
    page = staff_client.get(f"/staff/appeals/{appeal.reference}").get_data(as_text=True)
    assert page.count("<td>已表决</td>") == 5 and "提交表决" in page and "打开链接" in page
    department = department_client.get(f"/department/appeals/{appeal.reference}")
    assert OPINION in department.get_data(as_text=True)


def test_a_panelists_history_does_not_say_they_voted_on_an_open_appeal(
    admin_client, appeal, split
):
    page = admin_client.get(f"/admin/panelists/{split[0].panelist_id}").get_data(as_text=True)
    assert appeal.reference in page
    assert "<td>已表决</td>" not in page and "<td>在评价团中</td>" in page
