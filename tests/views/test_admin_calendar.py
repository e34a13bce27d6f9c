"""The admin calendar page: coverage said on every admin page, overrides set and removed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from panel_service import timeutil
from panel_service.enums import AuditKind
from panel_service.models import AuditEvent, CalendarOverride


@pytest.fixture
def december_2026():
    """Late in a year whose next one the installed calendar does not cover."""
    timeutil.set_clock(lambda: datetime(2026, 12, 1, 4, 0, tzinfo=UTC))
    yield
    timeutil.set_clock(None)


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_every_admin_page_says_when_the_calendar_does_not_cover_next_year(
    admin_client, december_2026
):
    for url in ("/admin/calendar", "/admin/outbox", "/admin/panelists"):
        page = admin_client.get(url).get_data(as_text=True)
        assert "官方节假日日历尚未覆盖2027年" in page, url


def test_no_warning_while_the_calendar_covers_both_years(admin_client):
    # (2 June 2025 is the Dragon Boat Festival holiday, a Monday.)
    timeutil.set_clock(lambda: datetime(2025, 6, 1, 4, 0, tzinfo=UTC))
    try:
        page = admin_client.get("/admin/calendar").get_data(as_text=True)
    finally:
        timeutil.set_clock(None)
    assert "尚未覆盖" not in page
    assert "2025-06-02 · 休息日" in page and "2025-06-03 · 工作日" in page


def test_an_admin_sets_and_removes_an_override_audited(admin_client, session, december_2026):
    page = admin_client.get("/admin/calendar").get_data(as_text=True)
    response = admin_client.post("/admin/calendar", data={
        "csrf_token": csrf(page), "day": "2027-01-08", "workday": "holiday",
        "note": "国务院办公厅关于2027年部分节假日安排的通知",
    })  # fmt: skip
    assert response.status_code == 302
    page = admin_client.get("/admin/calendar").get_data(as_text=True)
    assert "2027-01-08" in page and "国务院办公厅" in page
    session.rollback()
    assert session.get(CalendarOverride, date(2027, 1, 8)).created_by.startswith("admin:")
    session.rollback()
    removed = admin_client.post("/admin/calendar/2027-01-08/remove",
                                data={"csrf_token": csrf(page)})  # fmt: skip
    assert removed.status_code == 302
    session.rollback()
    assert session.get(CalendarOverride, date(2027, 1, 8)) is None
    kinds = [e.kind for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))]
    calendar = [k for k in kinds if k.startswith("calendar.")]
    assert calendar == [AuditKind.CALENDAR_OVERRIDE_SET, AuditKind.CALENDAR_OVERRIDE_REMOVED]
    again = admin_client.post("/admin/calendar/2027-01-08/remove", data={"csrf_token": csrf(page)})
    assert again.status_code == 404


def test_staff_cannot_touch_the_calendar(staff_client):
    assert staff_client.get("/admin/calendar").status_code == 403


def test_the_delivery_page_shows_each_providers_health(admin_client, app):
    app.config["PANEL_CONFIG"].SMS_BACKENDS = ["console", "file"]
    page = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "短信服务商" in page and "<td>控制台（开发用）</td><td>正常</td>" in page
    assert "<td>文件（测试用）</td><td>正常</td>" in page
