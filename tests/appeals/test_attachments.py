"""Attachments: accepted by content, not name; stored outside static/; shown to the right people."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from panel_service import timeutil
from panel_service.appeals import attachments
from panel_service.enums import AppealStatus, AssignmentState
from panel_service.models import Appeal, Assignment
from panel_service.panel import visits
from panel_service.panel.draw import new_nonce
from panel_service.panel.lifecycle import record_vote, withdraw_appeal
from panel_service.panel.seating import seated

from ..panelist_pages import OPINION, pledge
from ..views.test_staff import PDF, PNG

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


@pytest.mark.parametrize(
    ("data", "expected"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
def test_accepted_types_are_recognised_by_their_bytes(data, expected):
    upload = attachments.check_upload(filename="whatever.txt", data=data)
    assert upload.content_type == expected


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("letter.pdf", b"GIF89a....", "type"),
        ("photo.jpg", b"<svg onload=alert(1)>", "type"),
        ("doc.pdf", b"PK\x03\x04 a docx", "type"),
        ("empty.png", b"", "empty"),
        ("huge.pdf", b"%PDF-" + b"0" * attachments.MAX_BYTES, "size"),
    ],
)
def test_everything_else_is_refused(name, data, reason):
    with pytest.raises(attachments.AttachmentRefused) as caught:
        attachments.check_upload(filename=name, data=data)
    assert caught.value.reason == reason


def test_uploaded_names_never_become_paths():
    assert attachments.clean_filename("../../etc/passwd") == "passwd"
    assert attachments.clean_filename("C:\\temp\\答复函.pdf") == "答复函.pdf"
    assert attachments.clean_filename("a\x00b\nc.pdf") == "abc.pdf"
    assert attachments.clean_filename("") == "attachment"


def _attach(session, appeal, tmp_path, now, filename="答复函.pdf", data=PDF):
    rows = attachments.store(
        session=session,
        appeal_id=appeal.id,
        uploads=[attachments.check_upload(filename=filename, data=data)],
        directory=tmp_path,
        uploaded_by="staff:test",
        now=now,
    )
    session.commit()
    return rows[0]


def test_files_are_stored_under_random_names_and_discarded_on_rollback(session, appeal, tmp_path,
                                                                        now):  # fmt: skip
    row = _attach(session, appeal, tmp_path, now)
    path = attachments.path_of(row, tmp_path)
    assert path.read_bytes() == PDF and "答复函" not in path.name and path.suffix == ".pdf"
    attachments.discard(rows=[row], directory=tmp_path)
    assert not path.exists()


@pytest.fixture
def attached(app, session, appeal, now):
    return _attach(session, appeal, Path(app.config["PANEL_ATTACHMENT_DIR"]), now)


def _get(client, url):
    response = client.get(url)
    response.close()
    return response.status_code


def _pledged(session, seats, now):
    for seat in seats:
        visits.confirm_pledge(session=session, assignment=seat, now=now)
    session.commit()


def test_panelists_get_the_files_through_their_current_link(
    app, session, appeal, attached, make_link, now
):
    seat = seated(session=session, appeal_id=appeal.id)[0]
    _pledged(session, [seat], now)
    token = make_link(seat)
    client = app.test_client()
    assert _get(client, f"/v/{token}/files/{attached.public_id}") == 200
    assert _get(client, f"/v/{token}/files/{attached.public_id[:-1]}x") == 404
    assert _get(client, f"/v/not-a-token/files/{attached.public_id}") == 404
    seat.link_nonce = new_nonce()  # what revoking the link does
    session.add(seat)
    session.commit()
    assert _get(client, f"/v/{token}/files/{attached.public_id}") == 404


def test_a_withdrawn_appeal_serves_no_files_to_panelists(
    app, session, appeal, attached, make_link, now
):
    seat = seated(session=session, appeal_id=appeal.id)[0]
    _pledged(session, [seat], now)
    token = make_link(seat)
    assert _get(app.test_client(), f"/v/{token}/files/{attached.public_id}") == 200
    withdraw_appeal(session=session, appeal=appeal, reason="撤回", actor="test", now=now)
    session.commit()
    assert _get(app.test_client(), f"/v/{token}/files/{attached.public_id}") == 404


FORGED = "forged-token"


def _dead_link_page(response, url) -> str:
    """The body of a refusal, with the address asked for (the language link echoes it) made
    the same as the forged one, so that two refusals can be compared whole."""
    response.close()
    assert response.status_code == 404
    return response.get_data(as_text=True).replace(url, f"/v/{FORGED}")


@pytest.mark.parametrize(
    ("query", "title"), [("", "链接无效"), ("?lang=en", "This link is not valid")]
)
def test_files_wait_for_the_pledge_and_a_refusal_is_the_dead_link_page(
    app, session, appeal, attached, make_link, query, title
):
    seat = seated(session=session, appeal_id=appeal.id)[0]
    session.commit()
    token = make_link(seat)
    client = app.test_client()
    url = f"/v/{token}/files/{attached.public_id}"
    dead = client.get(f"/v/{FORGED}{query}")  # the link page of a forged token
    expected = _dead_link_page(dead, f"/v/{FORGED}")
    assert title in expected

    before = client.get(url + query)
    assert _dead_link_page(before, url) == expected
    wrong = attached.public_id[:-1] + "x"
    for other in (f"/v/{FORGED}/files/{attached.public_id}", f"/v/{token}/files/{wrong}"):
        assert _dead_link_page(client.get(other + query), other) == expected  # no hint it exists
    for header in ("Content-Type", "Cache-Control", "Content-Security-Policy"):
        assert before.headers[header] == dead.headers[header]

    pledge(client, token)
    assert _get(client, url) == 200


def test_a_decided_appeal_serves_no_files_to_voted_or_closed_seats(
    app, session, appeal, attached, make_link, rules, now
):
    seats = seated(session=session, appeal_id=appeal.id)
    _pledged(session, seats, now)
    urls = [f"/v/{make_link(seat)}/files/{attached.public_id}" for seat in seats]
    client = app.test_client()
    for seat in seats[:2]:
        record_vote(session=session, assignment=seat, vote="agree", opinion=OPINION,
                    rules=rules, now=now)  # fmt: skip
    session.commit()
    assert _get(client, urls[0]) == 200  # voted, and the appeal is still open
    record_vote(session=session, assignment=seats[2], vote="agree", opinion=OPINION,
                rules=rules, now=now)  # fmt: skip
    session.commit()
    session.refresh(appeal)
    session.refresh(seats[3])
    session.commit()
    assert appeal.status == AppealStatus.DECIDED and seats[3].state == AssignmentState.CLOSED
    assert _get(client, urls[0]) == 404  # voted
    assert _get(client, urls[3]) == 404  # closed by the decision


def test_files_close_with_the_seat_deadline(app, session, appeal, attached, make_link, now):
    seat = seated(session=session, appeal_id=appeal.id)[0]
    _pledged(session, [seat], now)
    url = f"/v/{make_link(seat)}/files/{attached.public_id}"
    client = app.test_client()
    timeutil.set_clock(lambda: seat.deadline - timedelta(seconds=1))
    assert _get(client, url) == 200
    timeutil.set_clock(lambda: seat.deadline)
    assert _get(client, url) == 404
    timeutil.set_clock(lambda: seat.deadline + timedelta(days=21))
    assert _get(client, url) == 404


OPEN, DECIDED = AppealStatus.OPEN, AppealStatus.DECIDED


@pytest.mark.parametrize(
    ("status", "state", "pledged", "hours_left", "allowed"),
    [
        (OPEN, AssignmentState.PENDING, True, 1, True),
        (OPEN, AssignmentState.VOTED, True, 1, True),
        (OPEN, AssignmentState.PENDING, False, 1, False),
        (OPEN, AssignmentState.PENDING, True, 0, False),
        (OPEN, AssignmentState.VOTED, True, -1, False),
        (OPEN, AssignmentState.CLOSED, True, 1, False),
        (OPEN, AssignmentState.RECUSED, True, 1, False),
        (OPEN, AssignmentState.REPLACED, True, 1, False),
        (DECIDED, AssignmentState.VOTED, True, 1, False),
        (DECIDED, AssignmentState.CLOSED, True, 1, False),
        (AppealStatus.WITHDRAWN, AssignmentState.PENDING, True, 1, False),
        (AppealStatus.STALLED, AssignmentState.PENDING, True, 1, False),
    ],
)
def test_the_rule_for_a_panelists_files(session, now, status, state, pledged, hours_left,
                                        allowed):  # fmt: skip
    seat = Assignment(
        appeal_id=1, panelist_id=0, state=state, link_nonce="n", created_at=now,
        deadline=now + timedelta(hours=hours_left), pledge_confirmed_at=now if pledged else None,
    )  # fmt: skip
    verdict = attachments.panelist_may_read(
        session=session, assignment=seat, appeal=Appeal(id=1, status=status), now=now
    )
    assert verdict is allowed


def test_panelists_see_file_names_masked_staff_see_them_whole(
    app, session, appeal, make_link, staff_client, now
):
    name = "市民身份证13907151234.png"
    row = _attach(session, appeal, Path(app.config["PANEL_ATTACHMENT_DIR"]), now, name, PNG)
    seat = seated(session=session, appeal_id=appeal.id)[0]
    session.commit()
    token = make_link(seat)
    client = app.test_client()
    html = pledge(client, token).get_data(as_text=True)
    assert "市民身份证139****1234.png" in html and "13907151234" not in html

    response = client.get(f"/v/{token}/files/{row.public_id}")
    response.close()
    disposition = unquote(response.headers["Content-Disposition"])
    assert "139****1234.png" in disposition and "0715" not in disposition

    staff = staff_client.get(f"/staff/appeals/{appeal.reference}/files/{row.public_id}")
    staff.close()
    assert name in unquote(staff.headers["Content-Disposition"])
    assert name in staff_client.get(f"/staff/appeals/{appeal.reference}").get_data(as_text=True)


def test_staff_and_the_own_department_get_files_others_do_not(
    app, staff_client, department_client, make_user, sign_in, session, appeal, attached
):
    from .. import factories

    factories.DepartmentFactory(code="EDU", name="市教育局")
    session.commit()
    other = sign_in(app.test_client(), make_user("edu", "department", "EDU"))
    ref = appeal.reference
    assert _get(staff_client, f"/staff/appeals/{ref}/files/{attached.public_id}") == 200
    assert _get(department_client, f"/department/appeals/{ref}/files/{attached.public_id}") == 200
    assert _get(other, f"/department/appeals/{ref}/files/{attached.public_id}") == 404
    assert _get(app.test_client(), f"/staff/appeals/{ref}/files/{attached.public_id}") == 302
    leaked = f"/static/../instance/attachments/{attached.storage_name}"
    assert _get(app.test_client(), leaked) == 404


def test_the_panelists_page_links_the_files_through_their_token(
    app, session, appeal, attached, make_link, now
):
    from panel_service.panel import visits

    seat = seated(session=session, appeal_id=appeal.id)[0]
    visits.confirm_pledge(session=session, assignment=seat, now=now)
    session.commit()
    token = make_link(seat)
    html = app.test_client().get(f"/v/{token}").get_data(as_text=True)
    assert f'href="/v/{token}/files/{attached.public_id}"' in html and "答复函.pdf" in html
    assert "附件" in html


def test_downloads_are_named_for_the_type_found_in_their_bytes(
    app, session, appeal, make_link, staff_client, department_client, now
):
    directory = Path(app.config["PANEL_ATTACHMENT_DIR"])
    row = _attach(session, appeal, directory, now, "会议纪要.html", PNG)
    seat = seated(session=session, appeal_id=appeal.id)[0]
    _pledged(session, [seat], now)
    ref = appeal.reference
    for client, url in (
        (staff_client, f"/staff/appeals/{ref}/files/{row.public_id}"),
        (department_client, f"/department/appeals/{ref}/files/{row.public_id}"),
        (app.test_client(), f"/v/{make_link(seat)}/files/{row.public_id}"),
    ):
        response = client.get(url)
        response.close()
        assert response.status_code == 200 and response.mimetype == "image/png"
        disposition = response.headers["Content-Disposition"]
        # Always a download, never shown in our origin; the name in RFC 5987 form.
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.png" in disposition
        assert ".html" not in disposition


@pytest.mark.parametrize(
    ("name", "content_type", "served"),
    [("会议纪要.html", "image/png", "会议纪要.png"), ("scan.JPEG", "image/jpeg", "scan.jpg"),
     ("答复函", "application/pdf", "答复函.pdf"), (".htaccess", "image/png", "attachment.png"),
     ("报告.pdf", "application/pdf", "报告.pdf")],
)  # fmt: skip
def test_the_served_name_keeps_the_stem_and_takes_the_types_extension(name, content_type, served):
    assert attachments.download_name(name, content_type) == served


def test_attachment_urls_name_files_by_a_random_id(
    app, session, appeal, attached, staff_client, now
):
    second = _attach(session, appeal, Path(app.config["PANEL_ATTACHMENT_DIR"]), now, "b.png", PNG)
    ref = appeal.reference
    assert len(attached.public_id) >= 22 and attached.public_id != second.public_id
    assert str(attached.id) not in (attached.public_id, second.public_id)
    page = staff_client.get(f"/staff/appeals/{ref}").get_data(as_text=True)
    assert f"/files/{attached.public_id}" in page and f"/files/{second.public_id}" in page
    assert _get(staff_client, f"/staff/appeals/{ref}/files/{attached.id}") == 404
