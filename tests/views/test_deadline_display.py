"""Every deadline a person sees is the same stored instant, in Beijing time with its weekday:
the SMS, the panelist's page, the staff and department pages and the API."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from panel_service import timeutil
from panel_service.appeals.submission import create_appeal
from panel_service.models import Appeal, Assignment
from panel_service.rules import PanelRules

from .. import factories
from ..panelist_pages import pledge

SHOWN = "9月28日（周日）18:00"  # 3 working days from Wed 24 Sep 2025, Sunday 28 in lieu


def test_one_deadline_everywhere(
    app, session, pool, department, now, make_worker, sent_sms, make_link, staff_client,
    department_client, api,
):  # fmt: skip
    rules = PanelRules.from_config(app.config["PANEL_CONFIG"])  # the configured working days
    appeal = create_appeal(
        session=session, data=factories.appeal_input(department=department.code),
        submitted_by="staff:test", rules=rules, now=now,
    )  # fmt: skip
    session.commit()
    assert timeutil.deadline_text(appeal.deadline) == SHOWN
    assert appeal.deadline == datetime(2025, 9, 28, 10, 0, tzinfo=UTC)
    make_worker().run_once()
    assert all(SHOWN in m["body"] for m in sent_sms())  # every invitation
    seat = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).first()
    assert seat.deadline == appeal.deadline
    panelist_page = pledge(app.test_client(), make_link(seat)).get_data(as_text=True)
    assert f"{SHOWN}（北京时间）" in panelist_page
    staff_page = staff_client.get(f"/staff/appeals/{appeal.reference}").get_data(as_text=True)
    assert SHOWN in staff_page
    listing = staff_client.get("/staff/appeals").get_data(as_text=True)
    assert SHOWN in listing
    department_page = department_client.get(f"/department/appeals/{appeal.reference}")
    assert SHOWN in department_page.get_data(as_text=True)
    body = api.get(f"/api/v1/appeals/{appeal.reference}").get_json()
    assert body["deadline"] == "2025-09-28T10:00:00Z"
    assert body["deadline_local"] == "2025-09-28T18:00:00+08:00"
    assert body["deadline_text"] == SHOWN
    english = staff_client.get(f"/staff/appeals/{appeal.reference}?lang=en").get_data(as_text=True)
    assert "Sun 28 Sep 18:00" in english
    assert session.get(Appeal, appeal.id).deadline == appeal.deadline
