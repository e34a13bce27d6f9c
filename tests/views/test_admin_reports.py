"""Statistics, the fairness report and the audit viewer."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import select

from panel_service.appeals.submission import create_appeal
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
    assert table.splitlines() == ["label,appeals", "2025-09,1"]
    empty = admin_client.get("/admin/stats/appeals_per_month.csv?start=2024-01-01&end=2024-02-01")
    assert empty.data.decode("utf-8-sig").splitlines() == ["label,appeals"]


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
    assert table.data.decode("utf-8-sig").splitlines() == ["label,appeals", "2025-10,1"]


def test_unknown_chart_is_404_and_bad_dates_are_400(admin_client):
    assert admin_client.get("/admin/stats/nope.svg").status_code == 404
    assert admin_client.get("/admin/stats?start=2025-99-01").status_code == 400


def test_fairness_report_replays_each_draw(admin_client, appeal):
    html = admin_client.get(f"/admin/fairness?{PERIOD}&lang=en").get_data(as_text=True)
    assert "Too few draws in this period to judge." in html
    assert "All 1 draws were re-run from the audit trail and match." in html


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
