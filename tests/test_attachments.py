"""Attachments: accepted by content, not name; stored outside static/; shown to the right people."""

from __future__ import annotations

from pathlib import Path

import pytest

from panel_service import attachments
from panel_service.draw import new_nonce
from panel_service.lifecycle import withdraw_appeal
from panel_service.seating import seated

from .test_views_staff import PDF, PNG

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


def _attach(session, appeal, tmp_path, now):
    rows = attachments.store(
        session=session,
        appeal_id=appeal.id,
        uploads=[attachments.check_upload(filename="答复函.pdf", data=PDF)],
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


def test_panelists_get_the_files_through_their_current_link(
    app, session, appeal, attached, make_link, now
):
    seat = seated(session=session, appeal_id=appeal.id)[0]
    token = make_link(seat)
    client = app.test_client()
    assert _get(client, f"/v/{token}/files/{attached.id}") == 200
    assert _get(client, f"/v/{token}/files/{attached.id + 1}") == 404
    assert _get(client, f"/v/not-a-token/files/{attached.id}") == 404
    seat.link_nonce = new_nonce()  # what revoking the link does
    session.add(seat)
    session.commit()
    assert _get(client, f"/v/{token}/files/{attached.id}") == 404


def test_a_withdrawn_appeal_serves_no_files_to_panelists(
    app, session, appeal, attached, make_link, now
):
    seat = seated(session=session, appeal_id=appeal.id)[0]
    token = make_link(seat)
    withdraw_appeal(session=session, appeal=appeal, reason="撤回", actor="test", now=now)
    session.commit()
    assert _get(app.test_client(), f"/v/{token}/files/{attached.id}") == 404


def test_staff_and_the_own_department_get_files_others_do_not(
    app, staff_client, department_client, make_user, sign_in, session, appeal, attached
):
    from . import factories

    factories.DepartmentFactory(code="EDU", name="市教育局")
    session.commit()
    other = sign_in(app.test_client(), make_user("edu", "department", "EDU"))
    ref = appeal.reference
    assert _get(staff_client, f"/staff/appeals/{ref}/files/{attached.id}") == 200
    assert _get(department_client, f"/department/appeals/{ref}/files/{attached.id}") == 200
    assert _get(other, f"/department/appeals/{ref}/files/{attached.id}") == 404
    assert _get(app.test_client(), f"/staff/appeals/{ref}/files/{attached.id}") == 302
    leaked = f"/static/../instance/attachments/{attached.storage_name}"
    assert _get(app.test_client(), leaked) == 404


def test_the_panelists_page_links_the_files_through_their_token(
    app, session, appeal, attached, make_link, now
):
    from panel_service import visits

    seat = seated(session=session, appeal_id=appeal.id)[0]
    visits.confirm_pledge(session=session, assignment=seat, now=now)
    session.commit()
    token = make_link(seat)
    html = app.test_client().get(f"/v/{token}").get_data(as_text=True)
    assert f'href="/v/{token}/files/{attached.id}"' in html and "答复函.pdf" in html
    assert "附件" in html
