"""Hotline staff in the browser: the appeal form, the list, the appeal page, withdrawal."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select
from werkzeug.datastructures import FileStorage

from panel_service import timeutil
from panel_service.appeals.submission import create_appeal
from panel_service.enums import AppealStatus, MessageKind
from panel_service.models import Appeal, Attachment, OutboxMessage, Panelist
from panel_service.panel import lifecycle
from panel_service.panel.seating import seated

from .. import factories

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def post_form(client, url, data):
    """POST multipart in memory (the test client spools big bodies to a file it never closes)."""
    from werkzeug.datastructures import MultiDict
    from werkzeug.test import encode_multipart

    fields = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, tuple):
                stream, name = item
                item = FileStorage(stream=stream, filename=name)
            fields.add(key, item)
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def form_data(token, **overrides) -> dict:
    values = {
        "csrf_token": token,
        "work_order_no": "XN20250924000101",
        "department": "HOUSING",
        "repeat_calls": "3",
        "citizen_request": "楼道灯坏了一个月没人修,联系电话13907151234。",
        "department_reply": "已于9月20日完成维修。",
        "appeal_reason": "已按时办结,市民因其他诉求评价不满意。",
        "policy_basis": "《城市照明管理规定》第二十一条。",
    }
    values.update(overrides)
    return values


def fresh(session, row):
    """The row as the database has it now (the app changed it through its own session)."""
    session.rollback()
    session.expire_all()
    return session.get(type(row), row.id)


def count(session, model=Appeal) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(model)).one()


def test_the_form_lists_every_department(staff_client, pool):
    html = staff_client.get("/staff/appeals/new").get_data(as_text=True)
    assert "市住房和城乡建设局(HOUSING)" in html
    assert 'enctype="multipart/form-data"' in html


def test_staff_submit_an_appeal_with_attachments(staff_client, session, pool, form_token, app):
    token = form_token(staff_client, "/staff/appeals/new")
    data = form_data(token)
    data["attachments"] = [(io.BytesIO(PDF), "答复函.pdf"), (io.BytesIO(PNG), "现场照片.png")]
    response = post_form(staff_client, "/staff/appeals/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)
    session.rollback()
    appeal = session.exec(select(Appeal)).one()
    assert response.headers["Location"].endswith(f"/staff/appeals/{appeal.reference}")
    assert appeal.submitted_by == "staff:staff-test"
    assert len(seated(session=session, appeal_id=appeal.id)) == 5
    files = session.exec(select(Attachment).order_by(Attachment.id)).all()
    assert [(f.filename, f.content_type) for f in files] == [
        ("答复函.pdf", "application/pdf"),
        ("现场照片.png", "image/png"),
    ]
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已提交" in page and "答复函.pdf" in page
    download = staff_client.get(f"/staff/appeals/{appeal.reference}/files/{files[0].public_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    stored = list(Path(app.config["PANEL_ATTACHMENT_DIR"]).iterdir())
    assert len(stored) == 2 and "static" not in str(stored[0])


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"work_order_no": ""}, "work_order_no", "必填"),
        ({"repeat_calls": "1"}, "repeat_calls", "来电次数须为 2 至 999 的整数"),
        ({"repeat_calls": "三"}, "repeat_calls", "请填写整数"),
        ({"department": "NOPE"}, "department", "请从列表中选择"),
        ({"policy_basis": "长" * 5001}, "policy_basis", "最多 5000 个字"),
    ],
)
def test_errors_come_back_beside_the_field_with_what_was_typed(
    staff_client, session, pool, form_token, overrides, field, message
):
    token = form_token(staff_client, "/staff/appeals/new")
    response = staff_client.post("/staff/appeals/new", data=form_data(token, **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert "楼道灯坏了一个月没人修" in html  # what was typed is still there
    assert count(session) == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 this is an exe", "report.pdf", "只接受 PDF、JPEG 或 PNG 文件"),
        (b"<html>not a picture</html>", "photo.png", "只接受 PDF、JPEG 或 PNG 文件"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "big.pdf", "超过 10 MB"),
        (b"", "empty.pdf", None),
    ],
)
def test_attachments_are_checked_by_content_and_size(
    staff_client, session, pool, form_token, app, content, name, message
):
    token = form_token(staff_client, "/staff/appeals/new")
    data = form_data(token, attachments=[(io.BytesIO(PDF), "ok.pdf"), (io.BytesIO(content), name)])
    response = post_form(staff_client, "/staff/appeals/new", data)
    if message is None:  # an empty file input is simply no file
        assert response.status_code in (303, 422)
        return
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="attachments-error"' in html and message in html and name in html
    assert count(session) == 0 and count(session, Attachment) == 0


def test_more_than_five_attachments_are_refused(staff_client, session, pool, form_token):
    token = form_token(staff_client, "/staff/appeals/new")
    files = [(io.BytesIO(PNG), f"p{i}.png") for i in range(6)]
    response = post_form(staff_client, "/staff/appeals/new", form_data(token, attachments=files))
    assert response.status_code == 422
    assert "最多上传 5 个附件" in response.get_data(as_text=True)
    assert count(session) == 0


def test_nothing_is_stored_half_when_the_draw_fails(staff_client, session, department,
                                                   form_token, app):  # fmt: skip
    token = form_token(staff_client, "/staff/appeals/new")
    data = form_data(token, attachments=[(io.BytesIO(PDF), "a.pdf")])
    response = post_form(staff_client, "/staff/appeals/new", data)
    assert response.status_code == 422
    assert "评价员不足" in response.get_data(as_text=True)
    assert count(session) == 0 and count(session, Attachment) == 0
    directory = Path(app.config["PANEL_ATTACHMENT_DIR"])
    assert not directory.exists() or not any(directory.iterdir())


def test_a_duplicate_work_order_is_an_error_beside_it(staff_client, session, appeal, form_token):
    token = form_token(staff_client, "/staff/appeals/new")
    response = staff_client.post(
        "/staff/appeals/new", data=form_data(token, work_order_no=appeal.work_order_no)
    )
    assert response.status_code == 422
    assert f"该工单已有申诉 {appeal.reference}" in response.get_data(as_text=True)


def test_a_missing_or_expired_csrf_token_keeps_what_was_typed(staff_client, session, pool):
    response = staff_client.post("/staff/appeals/new", data=form_data("expired-token"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "页面已过期" in html and "楼道灯坏了一个月没人修" in html
    assert count(session) == 0


def _appeals(session, rules, now, n, **overrides):
    from panel_service.appeals.submission import create_appeal

    made = [
        create_appeal(
            session=session,
            data=factories.appeal_input(**overrides),
            submitted_by="staff:test",
            rules=rules,
            now=now,
        )  # fmt: skip
        for _ in range(n)
    ]
    session.commit()
    return made


def test_the_list_filters_and_pages(staff_client, session, pool, rules, now):
    made = _appeals(session, rules, now, 23)
    first = staff_client.get("/staff/appeals").get_data(as_text=True)
    assert "第 1 / 2 页,共 23 件" in first
    second = staff_client.get("/staff/appeals?page=2").get_data(as_text=True)
    assert made[0].reference in second and made[0].reference not in first
    by_work_order = staff_client.get(f"/staff/appeals?q={made[5].work_order_no}")
    assert "共 1 件" in by_work_order.get_data(as_text=True)
    by_reference = staff_client.get(f"/staff/appeals?q={made[5].reference.lower()}")
    assert made[5].reference in by_reference.get_data(as_text=True)
    assert "共 0 件" in staff_client.get("/staff/appeals?status=decided").get_data(as_text=True)
    assert "共 23 件" in staff_client.get("/staff/appeals?department=HOUSING&status=open").text
    day = timeutil.local_date(now)
    assert "共 23 件" in staff_client.get(f"/staff/appeals?from={day}&to={day}").text
    assert "共 0 件" in staff_client.get(f"/staff/appeals?from={day + timedelta(1)}").text
    assert staff_client.get("/staff/appeals?from=garbage&page=x").status_code == 200


def test_the_list_reads_from_and_to_as_beijing_days(staff_client, session, pool, rules):
    for at in (
        datetime(2025, 9, 30, 15, 30, tzinfo=UTC),  # 23:30 on 30 Sep in Beijing
        datetime(2025, 9, 30, 23, 0, tzinfo=UTC),  # 07:00 on 1 Oct in Beijing
        datetime(2025, 10, 1, 16, 30, tzinfo=UTC),  # 00:30 on 2 Oct in Beijing
    ):
        create_appeal(
            session=session, data=factories.appeal_input(), submitted_by="t", rules=rules, now=at
        )
    session.commit()
    assert "共 1 件" in staff_client.get("/staff/appeals?from=2025-10-01&to=2025-10-01").text
    assert "共 2 件" in staff_client.get("/staff/appeals?from=2025-10-01").text
    assert "共 2 件" in staff_client.get("/staff/appeals?to=2025-10-01").text


def _vote(session, seat, choice, rules, now):
    lifecycle.record_vote(
        session=session,
        assignment=seat,
        vote=choice,
        opinion=f"经审阅材料,我的意见是{choice}。",
        rules=rules,
        now=now,
    )


def test_the_appeal_page_names_panelists_and_shows_votes_only_after_the_decision(
    staff_client, session, appeal, rules, now
):
    seats = seated(session=session, appeal_id=appeal.id)
    names = [session.get(Panelist, s.panelist_id).name for s in seats]
    _vote(session, seats[0], "agree", rules, now)
    session.commit()
    html = staff_client.get(f"/staff/appeals/{appeal.reference}").get_data(as_text=True)
    assert all(name in html for name in names)
    assert "抽取评价团" in html
    # Who has voted is as secret as how: no "vote recorded" entry, no "has voted" seat.
    assert "提交表决" not in html and "<td>已表决</td>" not in html
    assert "<td>待表决</td>" not in html and html.count("<td>在评价团中</td>") == 5
    assert "我的意见是agree" not in html

    _vote(session, seats[1], "agree", rules, now)
    _vote(session, seats[2], "agree", rules, now)
    session.commit()
    html = staff_client.get(f"/staff/appeals/{appeal.reference}").get_data(as_text=True)
    assert "有效申诉" in html and "3:0" in html and "我的意见是agree" in html
    assert "提交表决" in html and html.count("<td>已表决</td>") == 3  # once decided, all
    assert "撤回申诉" not in html  # a decided appeal cannot be withdrawn


def test_the_timeline_shows_sms_sent_and_delivered(staff_client, session, appeal, now):
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.kind == MessageKind.INVITATION)
    ).first()
    message.sent_at = now
    message.delivered_at = now + timedelta(seconds=5)
    session.add(message)
    session.commit()
    html = staff_client.get(f"/staff/appeals/{appeal.reference}").get_data(as_text=True)
    assert "短信已发送" in html and "短信已送达" in html


def test_withdrawal_needs_a_reason_then_revokes_links_and_texts_panelists(
    staff_client, session, appeal, form_token
):
    url = f"/staff/appeals/{appeal.reference}"
    token = form_token(staff_client, url)
    empty = staff_client.post(f"{url}/withdraw", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422 and "请填写撤回原因" in empty.get_data(as_text=True)
    assert fresh(session, appeal).status == AppealStatus.OPEN

    done = staff_client.post(
        f"{url}/withdraw", data={"csrf_token": token, "reason": "市民已撤销不满意评价"}
    )
    assert done.status_code == 303
    assert fresh(session, appeal).status == AppealStatus.WITHDRAWN
    notices = session.exec(
        select(OutboxMessage).where(OutboxMessage.kind == MessageKind.WITHDRAWN_NOTICE)
    ).all()
    assert len(notices) == 5
    html = staff_client.get(url).get_data(as_text=True)
    assert "已撤回" in html and "市民已撤销不满意评价" in html
    # Only the seats still to vote were closed: naming them would say who had voted.
    assert "链接作废" not in html

    again = staff_client.post(f"{url}/withdraw", data={"csrf_token": token, "reason": "再次"})
    assert again.status_code == 422 and "该申诉已不能撤回" in again.get_data(as_text=True)


def test_an_unknown_appeal_is_404(staff_client):
    assert staff_client.get("/staff/appeals/AP-2025-999999").status_code == 404


def test_staff_must_pick_the_department(staff_client, session, pool, form_token):
    token = form_token(staff_client, "/staff/appeals/new")
    response = staff_client.post("/staff/appeals/new", data=form_data(token, department=""))
    assert response.status_code == 422
    assert 'id="department-error"' in response.get_data(as_text=True)
    assert count(session) == 0


def test_staff_are_told_about_stalled_appeals(staff_client, session, appeal):
    from panel_service.enums import AppealStatus

    assert "appeals are stalled" not in staff_client.get("/staff/appeals?lang=en").get_data(
        as_text=True
    )
    appeal.status = AppealStatus.STALLED
    session.add(appeal)
    session.commit()
    html = staff_client.get("/staff/appeals?lang=en").get_data(as_text=True)
    assert "1 appeals are stalled" in html and "status=stalled" in html
