"""Signed-in sessions end on the server: logout, password changes and (re)activation."""

from __future__ import annotations

import pytest

from panel_service.access import accounts
from panel_service.access.accounts import UserInput
from panel_service.models import User

from ..conftest import DEMO_PASSWORD


def _login(client, form_token, username):
    token = form_token(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """A fresh browser presenting a session cookie captured earlier."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_cookie_captured_before_logout_no_longer_works(app, make_user, form_token):
    make_user("wang", "staff")
    client = app.test_client()
    captured = _login(client, form_token, "wang")
    assert _replay(app, captured).get("/staff/appeals").status_code == 200
    token = form_token(client, "/staff/appeals")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    response = _replay(app, captured).get("/staff/appeals")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_reactivating_a_user_does_not_revive_old_cookies(app, session, make_user, form_token):
    user = make_user("wang", "staff")
    captured = _login(app.test_client(), form_token, "wang")
    for active in (False, True):
        accounts.update_user(
            session=session, user=user, data=UserInput("wang", "王", "staff", active=active)
        )
        session.commit()
    assert _replay(app, captured).get("/staff/appeals").status_code == 302
    # Signing in again works, and gives a cookie of its own.
    fresh = _login(app.test_client(), form_token, "wang")
    assert _replay(app, fresh).get("/staff/appeals").status_code == 200


def test_the_cookie_carries_no_part_of_the_password_hash(app, session, make_user, form_token):
    user = make_user("wang", "staff")
    cookie = _login(app.test_client(), form_token, "wang")
    serializer = app.session_interface.get_signing_serializer(app)
    content = serializer.loads(cookie)
    password_hash = session.get(User, user.id).password_hash
    stored = repr(content)
    # Any 8 consecutive characters of the hash's salt or digest would be a leak.
    tail = password_hash.rsplit("$", 2)[-2:]
    for part in tail:
        for start in range(len(part) - 8):
            assert part[start : start + 8] not in stored


@pytest.mark.parametrize(
    ("client_fixture", "path"),
    [
        ("staff_client", "/staff/"),
        ("staff_client", "/staff/appeals"),
        ("department_client", "/department/"),
        ("admin_client", "/admin/"),
        ("admin_client", "/admin/users"),
        ("admin_client", "/admin/panelists/export.csv"),
    ],
)
def test_signed_in_pages_are_never_stored_by_the_browser(request, client_fixture, path):
    response = request.getfixturevalue(client_fixture).get(path)
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")
