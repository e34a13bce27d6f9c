"""Staff submit an appeal in a real Chromium and follow it to its decision; the department
sees the outcome."""

from __future__ import annotations

import pytest
from sqlmodel import select

from panel_service.models import Appeal
from panel_service.panel import lifecycle
from panel_service.panel.seating import seated

from ..conftest import DEMO_PASSWORD
from .test_browser import browser, check_accessibility, live_server  # noqa: F401 - fixtures
from .test_staff import PDF

pytestmark = pytest.mark.browser


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_staff_submit_and_follow_an_appeal_to_its_decision(
    browser, live_server, session, pool, make_user, rules, now, tmp_path  # noqa: F811
):
    make_user("wang", "staff")
    make_user("housing", "department", "HOUSING")
    letter = tmp_path / "答复函.pdf"
    letter.write_bytes(PDF)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "wang")
    page.click("text=提交申诉")
    page.fill("#work_order_no", "XN20250924000777")
    page.select_option("#department", "HOUSING")
    page.fill("#repeat_calls", "1")  # a mistake: the form comes back with the error
    for name, text in [("citizen_request", "路灯损坏两个月无人维修。"),
                       ("department_reply", "已更换路灯12盏。"),
                       ("appeal_reason", "已按时办结,市民因其他诉求评价不满意。"),
                       ("policy_basis", "《城市照明管理规定》第二十一条。")]:  # fmt: skip
        page.fill(f"#{name}", text)
    page.set_input_files("#attachments", str(letter))
    page.click("button.primary")
    assert "来电次数须为 2 至 999 的整数" in page.text_content("#repeat_calls-error")
    assert page.input_value("#citizen_request") == "路灯损坏两个月无人维修。"
    check_accessibility(page, "appeal form with errors")

    page.fill("#repeat_calls", "3")
    page.set_input_files("#attachments", str(letter))
    page.click("button.primary")
    page.wait_for_url("**/staff/appeals/AP-*")
    assert "已提交" in page.text_content(".flash")
    assert "答复函.pdf" in page.content()
    check_accessibility(page, "appeal page")

    session.rollback()
    appeal = session.exec(select(Appeal)).one()
    for seat in seated(session=session, appeal_id=appeal.id)[:3]:
        lifecycle.record_vote(
            session=session, assignment=seat, vote="agree",
            opinion="部门处置得当,申诉理由成立。", rules=rules, now=now,
        )  # fmt: skip
    session.commit()
    page.reload()
    assert "有效申诉" in page.content() and "3:0" in page.content()

    department = browser.new_context(locale="zh-CN").new_page()
    sign_in(department, live_server, "housing")
    department.wait_for_url("**/department/")  # its home: the decision is among the recent
    row = department.text_content("table")
    assert appeal.reference in row and "3:0" in row
    check_accessibility(department, "department list")
    context.close()
