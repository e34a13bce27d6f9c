"""Users and roles: hashed passwords, the login form, its rate limit, cookies, the CLI."""

from __future__ import annotations

import pytest

from panel_service.access import accounts
from panel_service.access.accounts import UserInput, UserInvalid
from panel_service.config import Config
from panel_service.enums import Refusal, Role
from panel_service.models import User

from ..conftest import DEMO_PASSWORD


def test_passwords_are_stored_hashed(session, make_user, department):
    user = make_user("li.na", "department", "HOUSING")
    assert DEMO_PASSWORD not in user.password_hash
    assert user.password_hash.startswith("scrypt:")
    assert accounts.check_password(user, DEMO_PASSWORD)
    assert not accounts.check_password(user, "wrong password!")
    assert not accounts.check_password(None, DEMO_PASSWORD)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "A B"}, "username"),
        ({"role": "root"}, "role"),
        ({"role": "department", "department": None}, "department"),
        ({"role": "department", "department": "NOPE"}, "department"),
        ({"role": "staff", "department": "HOUSING"}, "department"),
        ({"password": "short"}, "password"),
        ({"display_name": ""}, "display_name"),
    ],
)
def test_user_input_is_checked_field_by_field(session, department, now, overrides, field):
    values = dict(username="wang", display_name="王", role="staff", password=DEMO_PASSWORD)
    values.update(overrides)
    with pytest.raises(UserInvalid) as caught:
        accounts.create_user(session=session, data=UserInput(**values), now=now)
    assert field in caught.value.errors


def test_usernames_are_unique_case_insensitively(session, make_user, now):
    make_user("wang", "staff")
    with pytest.raises(UserInvalid) as caught:
        accounts.create_user(
            session=session,
            data=UserInput("WANG", "王", "staff", None, DEMO_PASSWORD),
            now=now,
        )
    assert caught.value.errors == {"username": Refusal.USERNAME_TAKEN}


def test_authenticate_refuses_inactive_users(session, make_user, now):
    user = make_user("wang", "staff")
    assert accounts.authenticate(session=session, username="wang", password=DEMO_PASSWORD, now=now)
    user.active = False
    session.add(user)
    session.commit()
    assert (
        accounts.authenticate(session=session, username="wang", password=DEMO_PASSWORD, now=now)
        is None
    )


def _login(client, form_token, username, password):
    token = form_token(client, "/login")
    return client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )


@pytest.mark.parametrize(
    ("role", "dept", "landing"),
    [("staff", None, "/staff/"), ("department", "HOUSING", "/department/"),
     ("admin", None, "/admin/")],
)  # fmt: skip
def test_login_lands_each_role_on_its_home(
    app, make_user, form_token, department, role, dept, landing
):
    make_user("someone", role, dept)
    client = app.test_client()
    response = _login(client, form_token, "someone", DEMO_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(landing)
    assert client.get(landing).status_code == 200


def test_login_failure_keeps_the_username_and_says_why(app, make_user, form_token):
    make_user("wang", "staff")
    client = app.test_client()
    response = _login(client, form_token, "wang", "not the password")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="wang"' in html and "用户名或密码错误" in html
    assert client.get("/staff/appeals").status_code == 302


def test_login_without_csrf_token_is_refused(app, make_user):
    make_user("wang", "staff")
    response = app.test_client().post(
        "/login", data={"username": "wang", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 400


def test_login_never_redirects_off_site(app, make_user, form_token):
    make_user("wang", "staff")
    client = app.test_client()
    token = form_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example.com/x",
        data={"csrf_token": token, "username": "wang", "password": DEMO_PASSWORD},
    )
    assert response.headers["Location"] == "/staff/"


def test_login_attempts_are_rate_limited(app, make_user, form_token):
    make_user("wang", "staff")
    client = app.test_client()
    codes = [_login(client, form_token, "wang", "guess-guess-guess").status_code for _ in range(6)]
    assert codes[:5] == [422] * 5
    assert codes[5] == 429


def test_logout_ends_the_session(app, make_user, form_token):
    make_user("wang", "staff")
    client = app.test_client()
    _login(client, form_token, "wang", DEMO_PASSWORD)
    token = form_token(client, "/staff/appeals")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff/appeals").status_code == 302


def test_a_password_change_ends_other_sessions(app, session, make_user, sign_in, now):
    user = make_user("wang", "staff")
    client = sign_in(app.test_client(), user)
    assert client.get("/staff/appeals").status_code == 200
    accounts.update_user(
        session=session,
        user=user,
        data=UserInput("wang", "王", "staff", None, "a brand new password"),
    )
    session.commit()
    assert client.get("/staff/appeals").status_code == 302


def test_session_cookie_flags(app, make_user, form_token, database_url, signing_key_file):
    make_user("wang", "staff")
    client = app.test_client()
    response = _login(client, form_token, "wang", DEMO_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    production = Config.from_env(
        environ={},
        ENV="production",
        RATELIMIT_STORAGE_URL="redis://127.0.0.1:6379/15",
        SECRET_KEY="x" * 40,
        DATABASE_URL=database_url,
        AUDIT_SIGNING_KEY_FILE=signing_key_file,
    ).flask_mapping()
    assert production["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_cli_creates_a_user_with_the_password_from_stdin(runner, session, department):
    result = runner.invoke(
        args=["panel", "user", "create", "li.na", "--role", "department",
              "--department", "HOUSING", "--password-stdin"],
        input=DEMO_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    session.rollback()
    user = accounts.find_user(session=session, username="li.na")
    assert user.role == Role.DEPARTMENT and user.department_id == department.id
    assert accounts.check_password(user, DEMO_PASSWORD)


def test_cli_user_mistakes_are_one_line(runner, session):
    result = runner.invoke(
        args=["panel", "user", "create", "x y", "--role", "staff", "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().startswith("Error: username:")
    assert "password:" in result.output
    session.rollback()
    assert session.get(User, 1) is None


@pytest.mark.parametrize(
    ("change", "ends"),
    [({"password": "a brand new password"}, True), ({"active": False}, True),
     ({"display_name": "王小明"}, False)],
)  # fmt: skip
def test_a_new_password_or_status_ends_the_users_sessions(session, make_user, change, ends):
    user = make_user("wang", "staff")
    before = user.session_generation
    values = {"username": "wang", "display_name": "王", "role": "staff", **change}
    accounts.update_user(session=session, user=user, data=UserInput(**values))
    session.commit()
    assert (user.session_generation > before) is ends
