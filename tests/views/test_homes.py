"""Each role's home says what needs them, each item linked to its page; one menu."""

from __future__ import annotations

import re
from datetime import timedelta

from panel_service.reports import attention
from panel_service.reports.attention import AdminAttention

from ..reports.test_attention import _decide, _stall


def test_the_admin_home_lists_what_needs_attention_with_links(
    admin_client, session, appeal, rules, now
):
    from panel_service.enums import MessageKind, OutboxStatus
    from panel_service.models import OutboxMessage, Panelist

    member = session.get(Panelist, 1)
    member.mobile_failing_since = now
    session.add(member)
    session.add(OutboxMessage(kind=MessageKind.REMINDER, status=OutboxStatus.FAILED, attempts=8,
                              appeal_id=appeal.id, next_attempt_at=now, created_at=now,
                              updated_at=now))  # fmt: skip
    session.commit()
    _stall(session, appeal, rules)
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "<h1>需要处理的事项</h1>" in html
    assert f'href="/staff/appeals/{appeal.reference}">{appeal.reference}</a>' in html
    assert f'href="/admin/panelists/{member.id}">{member.name}</a>' in html
    assert 'href="/admin/outbox"' in html and "邀请短信" not in html
    queue = html.split('aria-labelledby="queue"')[1].split("</section>")[0]
    assert "<td>短信</td><td>发送失败</td><td>1</td>" in queue
    assert "<td>等待发送</td>" not in queue  # the invitations, just queued, need nobody
    assert "没有需要管理员处理的事项" not in html


def test_a_quiet_admin_home_says_so(admin_client, pool, now):
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "没有需要管理员处理的事项" in html and "审计检查点" not in html


def test_the_age_of_the_last_checkpoint_is_shown_once_there_is_one(
    admin_client, monkeypatch, now
):
    monkeypatch.setattr(
        attention, "admin_attention",
        lambda **kw: AdminAttention(last_checkpoint_at=now - timedelta(hours=3)),
    )  # fmt: skip
    from panel_service.views.admin import home

    monkeypatch.setattr(home, "admin_attention", attention.admin_attention)
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "最近一次审计检查点写于 3 小时前" in html
    english = admin_client.get("/admin/?lang=en").get_data(as_text=True)
    assert "The last audit checkpoint was written 3 hours ago." in english


def test_the_staff_home_shows_open_decided_and_the_stall_to_resolve(
    staff_client, session, pool, department, rules, now
):
    from panel_service.appeals.submission import create_appeal

    made = [
        create_appeal(session=session, data=factories_input(), submitted_by="staff:test",
                      rules=rules, now=now + timedelta(hours=h))
        for h in (0, 1, 2)
    ]  # fmt: skip
    session.commit()
    _decide(session, made[2], rules, now)
    _stall(session, made[0], rules)
    html = staff_client.get("/staff/").get_data(as_text=True)
    stalled, rest = html.split('<section class="card" aria-labelledby="open">')
    assert "需要您决定" in stalled and made[0].reference in stalled
    open_part, decided = rest.split('aria-labelledby="decided"')
    assert made[1].reference in open_part and made[2].reference not in open_part
    assert made[2].reference in decided and "有效申诉" in decided


def test_the_department_home_shows_only_its_own_appeals(
    department_client, session, pool, department, rules, now
):
    from panel_service.appeals.submission import create_appeal

    from .. import factories

    factories.DepartmentFactory(code="WATER", name="市水务局")
    session.commit()
    own = create_appeal(session=session, data=factories.appeal_input(), submitted_by="t",
                        rules=rules, now=now)  # fmt: skip
    other = create_appeal(session=session, data=factories.appeal_input(department="WATER"),
                          submitted_by="t", rules=rules, now=now)  # fmt: skip
    session.commit()
    html = department_client.get("/department/").get_data(as_text=True)
    assert own.reference in html and other.reference not in html
    assert f"<h1>{department.name}</h1>" in html


def test_every_signed_in_page_has_one_menu(admin_client, appeal):
    pages = ("/admin/", "/admin/panelists", "/admin/stats", f"/staff/appeals/{appeal.reference}")
    for url in pages:
        html = admin_client.get(url).get_data(as_text=True)
        assert html.count("<nav") == 1 + html.count('aria-label="分页"'), url
        assert html.count('<details class="menu">') == 1
    html = admin_client.get("/admin/panelists").get_data(as_text=True)
    menu = re.search(r'<details class="menu">(.*?)</details>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"', menu)
    assert links[0] == "/admin/" and "/admin/audit" in links and "/staff/appeals" in links
    assert '<a href="/admin/panelists" aria-current="page">' in menu


def factories_input():
    from .. import factories

    return factories.appeal_input()
