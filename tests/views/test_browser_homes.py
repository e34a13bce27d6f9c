"""Each role signs in and lands on its home, in Chinese, on a 360 px phone and on a desktop:
axe finds nothing serious, nothing scrolls sideways, and the one menu works without
JavaScript (a <details> on the phone, a row of links on the desktop)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from panel_service.appeals.submission import create_appeal
from panel_service.panel import lifecycle
from panel_service.panel.seating import seated

from .. import factories
from ..conftest import DEMO_PASSWORD
from .test_browser import PHONE, browser, check_accessibility, live_server  # noqa: F401

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
OPINION = "部门已按规定办结,理由充分。"
HOMES = [
    ("admin", "/admin/", "需要处理的事项", "统计"),
    ("staff", "/staff/", "工作台", "申诉列表"),
    ("housing", "/department/", "市住房和城乡建设局", "本单位申诉"),
]


@pytest.fixture
def desks(session, pool, department, rules, now, make_user):
    """Something on every desk: an open appeal, a decided one, a stalled one."""
    made = [
        create_appeal(session=session, data=factories.appeal_input(), submitted_by="staff:wang",
                      rules=rules, now=now + timedelta(hours=h))
        for h in (0, 1, 2)
    ]  # fmt: skip
    session.commit()
    for seat in seated(session=session, appeal_id=made[1].id)[:3]:
        lifecycle.record_vote(session=session, assignment=seat, vote="agree",
                              opinion=OPINION, rules=rules, now=now)  # fmt: skip
    session.commit()
    lifecycle.expire_seats(session=session, appeal_id=made[2].id,
                           rules=replace(rules, max_replacement_rounds=0),
                           now=made[2].deadline + timedelta(minutes=1))  # fmt: skip
    session.commit()
    make_user("admin", "admin")
    make_user("staff", "staff")
    make_user("housing", "department", "HOUSING")
    return made


def _menu_words(page) -> str:
    return page.locator("nav[aria-label='主导航']").inner_text()


def _signed_in(browser, base, username, home, phone, **options):  # noqa: F811
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, locale="zh-CN",
        **({"device_scale_factor": 2, "is_mobile": True, "has_touch": True} if phone else {}),
        **options,
    )  # fmt: skip
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{home}")  # login lands each role on its home
    return context, page


@pytest.mark.parametrize(("username", "home", "heading", "item"), HOMES)
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_each_home_in_chinese_on_a_phone_and_a_desktop(
    browser, live_server, desks, tmp_path, username, home, heading, item, size  # noqa: F811
):
    phone = size == "phone"
    width = (PHONE if phone else DESKTOP)["width"]
    # axe runs its checks as a script in the page, so this context has JavaScript on.
    context, page = _signed_in(browser, live_server, username, home, phone)
    assert page.get_by_role("heading", level=1, name=heading).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    menu_link = page.get_by_role("link", name=item, exact=True)
    if phone:
        assert not menu_link.is_visible()  # folded away: the page starts with its content
        check_accessibility(page, f"{username} home, phone, menu closed")
        page.screenshot(path=str(tmp_path / f"{username}-phone.png"), full_page=True)
        page.get_by_text("菜单", exact=True).click()
        heights = page.locator("details.menu li a").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 44  # thumbs, not mouse pointers
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        check_accessibility(page, f"{username} home, phone, menu open")
        page.screenshot(path=str(tmp_path / f"{username}-phone-menu.png"), full_page=True)
    else:
        assert not page.get_by_text("菜单", exact=True).is_visible()
        assert menu_link.is_visible() and "退出" in _menu_words(page)
        check_accessibility(page, f"{username} home, desktop")
        page.screenshot(path=str(tmp_path / f"{username}-desktop.png"), full_page=True)
    assert (tmp_path / f"{username}-{size}.png").stat().st_size > 0
    context.close()

    # The menu itself needs no script: open it (on the phone) and follow a link.
    context, page = _signed_in(browser, live_server, username, home, phone,
                               java_script_enabled=False)  # fmt: skip
    menu_link = page.get_by_role("link", name=item, exact=True)
    if phone:
        assert not menu_link.is_visible()
        page.get_by_text("菜单", exact=True).click()
    assert menu_link.is_visible()
    menu_link.click()
    page.wait_for_load_state()
    assert page.locator("details.menu").count() == 1
    assert page.locator("a[aria-current=page]").text_content() == item
    context.close()
