"""Statistics, the fairness report and the audit viewer."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import select

from panel_service.appeals.submission import create_appeal
from panel_service.enums import AssignmentState, OutboxStatus
from panel_service.models import AuditEvent

from .. import factories

PERIOD = "start=2025-09-01&end=2025-09-30"


def test_dashboard_links_four_charts(admin_client, appeal):
    html = admin_client.get(f"/admin/stats?{PERIOD}").get_data(as_text=True)
    assert html.count('<img src="/admin/stats/') == 4


def test_chart_svg_and_csv_carry_the_period_numbers(admin_client, appeal):
    svg = admin_client.get(f"/admin/stats/appeals_per_month.svg?{PERIOD}")
    assert svg.mimetype == "image/svg+xml"
    texts = {t.text for t in ET.fromstring(svg.data).iter("{http://www.w3.org/2000/svg}text")}
    assert "2025-09" in texts
    table = admin_client.get(f"/admin/stats/appeals_per_month.csv?{PERIOD}").data.decode(
        "utf-8-sig"
    )
    assert table.splitlines() == ["月份,申诉数", "2025-09,1"]
    empty = admin_client.get("/admin/stats/appeals_per_month.csv?start=2024-01-01&end=2024-02-01")
    assert empty.data.decode("utf-8-sig").splitlines() == ["月份,申诉数"]


def test_the_period_picker_reads_its_dates_as_beijing_days(admin_client, session, pool, rules):
    for at in (
        datetime(2025, 9, 30, 15, 30, tzinfo=UTC),  # 23:30 on 30 Sep in Beijing: before
        datetime(2025, 9, 30, 23, 0, tzinfo=UTC),  # 07:00 on 1 Oct in Beijing: inside
        datetime(2025, 10, 31, 16, 30, tzinfo=UTC),  # 00:30 on 1 Nov in Beijing: after
    ):
        create_appeal(
            session=session, data=factories.appeal_input(), submitted_by="t", rules=rules, now=at
        )
    session.commit()
    table = admin_client.get("/admin/stats/appeals_per_month.csv?start=2025-10-01&end=2025-10-31")
    assert table.data.decode("utf-8-sig").splitlines() == ["月份,申诉数", "2025-10,1"]


def test_unknown_chart_is_404_and_bad_dates_are_400(admin_client):
    assert admin_client.get("/admin/stats/nope.svg").status_code == 404
    assert admin_client.get("/admin/stats?start=2025-99-01").status_code == 400


def test_fairness_report_replays_each_draw_when_asked(admin_client, session, appeal):
    html = admin_client.get(f"/admin/fairness?{PERIOD}&lang=en").get_data(as_text=True)
    assert "Too few draws in this period to judge." in html
    assert "were re-run" not in html  # years of draws would take minutes: only on request
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    replay = f"/admin/fairness/replay?{PERIOD}&lang=en"
    assert f'action="{replay.replace("&lang=en", "").replace("&", "&amp;")}"' in html
    ok = admin_client.post(replay, data={"csrf_token": token})
    assert ok.status_code == 200
    assert "All 1 draws were re-run from the audit trail and match." in ok.get_data(as_text=True)
    appeal.draw_seed = "0" * 64  # the stored seed no longer the audited one
    session.add(appeal)
    session.commit()
    failed = admin_client.post(replay, data={"csrf_token": token})
    assert failed.status_code == 409
    assert f"Replay failed for: {appeal.reference}" in failed.get_data(as_text=True)


def test_audit_viewer_filters_verifies_and_exports(admin_client, session, appeal):
    html = admin_client.get(f"/admin/audit?{PERIOD}&kind=panel.drawn").get_data(as_text=True)
    assert "panel.drawn" in html and "appeal.created</td>" not in html
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    ok = admin_client.post("/admin/audit/verify", data={"csrf_token": token})
    assert ok.status_code == 200
    exported = admin_client.get(f"/admin/audit/export.jsonl?{PERIOD}")
    lines = exported.data.decode().splitlines()
    exported.close()  # a streamed response holds its request (and session) open until closed
    assert [json.loads(line)["kind"] for line in lines] == ["appeal.created", "panel.drawn"]
    first = session.exec(
        select(AuditEvent.id).where(AuditEvent.chain == "appeal:1").order_by(AuditEvent.id)
    ).first()
    session.execute(sa.update(AuditEvent).where(AuditEvent.id == first).values(actor="mallory"))
    session.commit()
    broken = admin_client.post("/admin/audit/verify?lang=en", data={"csrf_token": token})
    assert broken.status_code == 409
    page = broken.get_data(as_text=True)
    assert f"Chain appeal:1 is broken at event {first} " in page
    assert "this event was changed after it was recorded" in page


def test_delivery_problems_show_attempts_errors_and_failing_numbers(
    admin_client, session, appeal, now
):
    from panel_service.enums import MessageKind, OutboxStatus
    from panel_service.models import Assignment, OutboxMessage, Panelist

    seat = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).first()
    member = session.get(Panelist, seat.panelist_id)
    member.mobile_failing_since = now
    session.add(member)
    for status, attempts, error in [
        (OutboxStatus.FAILED, 1, "21211 invalid 'To' phone number"),
        (OutboxStatus.PENDING, 3, "HTTP 503 from provider"),
        (OutboxStatus.SENT, 1, None),
    ]:
        session.add(
            OutboxMessage(
                kind=MessageKind.INVITATION,
                status=status,
                attempts=attempts,
                last_error=error,
                appeal_id=appeal.id,
                assignment_id=seat.id,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    session.commit()
    html = admin_client.get("/admin/outbox?lang=en").get_data(as_text=True)
    assert "21211 invalid" in html and "HTTP 503 from provider" in html
    assert html.count(f"<td>{appeal.reference}</td>") == 2  # the sent one is no problem
    assert "<td>3</td>" in html and member.name in html


SVG_TEXT = "{http://www.w3.org/2000/svg}text"
ENGLISH_CHART_WORDS = {
    *("appeals", "upheld", "dismissed", "seats", "messages", "No data"),
    *(s.value for s in AssignmentState),
    *(s.value for s in OutboxStatus),
}


def _chart_words(response) -> set[str]:
    return {(t.text or "").strip() for t in ET.fromstring(response.data).iter(SVG_TEXT)} - {""}


@pytest.mark.parametrize(
    "name", ["appeals_per_month", "decisions_per_department", "response_rates", "sms_delivery"]
)
def test_charts_speak_chinese_on_the_chinese_page(admin_client, decided_appeal, name):
    """Titles, legends, axis labels: none of pygal's or the series' English on a zh page."""
    words = _chart_words(admin_client.get(f"/admin/stats/{name}.svg?{PERIOD}"))
    assert words & ENGLISH_CHART_WORDS == set(), name
    assert any(re.search(r"[\u4e00-\u9fff]", w) for w in words)
    english = _chart_words(admin_client.get(f"/admin/stats/{name}.svg?{PERIOD}&lang=en"))
    assert not any(re.search(r"[\u4e00-\u9fff]", w) for w in english - {"市住房和城乡建设局"})


def test_an_empty_chart_says_no_data_in_chinese(admin_client):
    empty = "/admin/stats/response_rates.svg?start=2024-01-01&end=2024-02-01"
    words = _chart_words(admin_client.get(empty))
    assert "No data" not in words and "暂无数据" in words


def test_chart_csv_headers_and_rows_are_worded_in_the_page_language(admin_client, decided_appeal):
    chinese = admin_client.get(f"/admin/stats/response_rates.csv?{PERIOD}").data.decode("utf-8-sig")
    rows = chinese.splitlines()
    assert rows[0] == "席位结果,席位数" and "已表决,3" in rows
    english = admin_client.get(f"/admin/stats/decisions_per_department.csv?{PERIOD}&lang=en")
    assert english.data.decode("utf-8-sig").splitlines()[0] == "Department,Upheld,Dismissed"


@pytest.fixture
def decided_appeal(session, appeal, rules, now):
    from panel_service.panel.lifecycle import record_vote
    from panel_service.panel.seating import seated

    for seat in seated(session=session, appeal_id=appeal.id)[:3]:
        record_vote(session=session, assignment=seat, vote="agree",
                    opinion="部门已按规定办结,理由充分。", rules=rules, now=now)  # fmt: skip
    session.commit()
    return appeal


def test_the_audit_viewer_shows_kinds_actors_and_reasons_as_words(
    admin_client, session, appeal, rules, now
):
    """Words in the table; the stored JSON only behind a <details> toggle."""
    from panel_service.enums import SeatReason
    from panel_service.models import Panelist
    from panel_service.panel.lifecycle import record_vote, vacate_seat
    from panel_service.panel.seating import seated

    first = seated(session=session, appeal_id=appeal.id)[0]
    vacate_seat(session=session, assignment=first, reason=SeatReason.NO_RESPONSE,
                actor="system", rules=rules, now=now)  # fmt: skip
    for seat in seated(session=session, appeal_id=appeal.id)[:3]:
        record_vote(session=session, assignment=seat, vote="agree",
                    opinion="部门已按规定办结,理由充分。", rules=rules, now=now)  # fmt: skip
    session.commit()
    names = {p.id: p.name for p in session.exec(select(Panelist))}
    html = admin_client.get(f"/admin/audit?{PERIOD}").get_data(as_text=True)
    rows = re.findall(r"<tr><td>\d+</td>(.*?)</tr>", html, re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in rows]
    kinds = {c[1] for c in cells}
    assert {"申诉提交", "抽取评价团", "提交表决", "作出决定", "替补评价员"} <= kinds
    assert not any(re.fullmatch(r"[a-z_.]+", k) for k in kinds)
    actors = {c[2] for c in cells}
    assert "热线工作人员 test" in actors and "系统" in actors
    assert any(a.startswith("评价员 ") and a[4:] in names.values() for a in actors)
    decision = next(c[3] for c in cells if c[1] == "作出决定")
    assert "决定：有效申诉" in decision and "3:0" in decision
    shown, raw = decision.split('<details class="raw">')
    assert "decision" not in shown and "<summary>" in raw
    assert "&#34;decision&#34;:&#34;upheld" in raw
    replacement = next(c[3] for c in cells if c[1] == "替补评价员")
    assert "原因：截止前未投票" in replacement and names[first.panelist_id] in replacement


def test_the_audit_viewer_tells_no_one_who_has_voted_before_the_decision(
    admin_client, session, appeal, rules, now
):
    """Until the panel decides, the viewer leaves out votes, link openings and pledges: even
    an administrator cannot count the votes (4 and undecided would mean 2:2)."""
    from panel_service.panel import visits
    from panel_service.panel.lifecycle import record_vote
    from panel_service.panel.seating import seated

    seats = seated(session=session, appeal_id=appeal.id)
    visits.confirm_pledge(session=session, assignment=seats[0], now=now)
    for seat, vote in zip(seats[:2], ["agree", "disagree"], strict=True):
        record_vote(session=session, assignment=seat, vote=vote,
                    opinion="部门已按规定办结,理由充分。", rules=rules, now=now)  # fmt: skip
    session.commit()

    def kinds_shown():
        html = admin_client.get(f"/admin/audit?{PERIOD}").get_data(as_text=True)
        rows = re.findall(r"<tr><td>\d+</td>(.*?)</tr>", html, re.S)
        return [re.findall(r"<td>(.*?)</td>", row, re.S)[1] for row in rows], html

    before, html = kinds_shown()
    assert "抽取评价团" in before
    assert "提交表决" not in before and "签署保密承诺" not in before
    assert "评议结束后显示" in html
    filtered = admin_client.get(f"/admin/audit?{PERIOD}&kind=vote.recorded").get_data(as_text=True)
    assert "提交表决" not in re.sub(r"<select.*?</select>", "", filtered, flags=re.S)

    record_vote(session=session, assignment=seats[2], vote="agree",
                opinion="部门已按规定办结,理由充分。", rules=rules, now=now)  # fmt: skip
    record_vote(session=session, assignment=seats[3], vote="agree",
                opinion="部门已按规定办结,理由充分。", rules=rules, now=now)  # fmt: skip
    session.commit()
    after, _ = kinds_shown()
    assert after.count("提交表决") == 4 and "作出决定" in after and "签署保密承诺" in after
