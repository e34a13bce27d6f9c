"""User management for administrators: add, edit, deactivate, reset a password."""

from __future__ import annotations

from sqlmodel import select

from panel_service.access import accounts
from panel_service.models import User

from ..conftest import DEMO_PASSWORD


def test_admins_list_and_add_users_with_errors_beside_fields(
    app, make_user, sign_in, session, department, form_token
):
    admin = sign_in(app.test_client(), make_user("boss", "admin"))
    assert "boss" in admin.get("/admin/users").get_data(as_text=True)
    token = form_token(admin, "/admin/users/new")
    form = {"csrf_token": token, "username": "li.na", "display_name": "李娜",
            "role": "department", "department": "", "password": "short", "active": "y"}  # fmt: skip
    bad = admin.post("/admin/users/new", data=form)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'value="li.na"' in html and "责任单位用户必须选择所属单位" in html
    assert "密码须为 10 至 128 个字符" in html
    session.rollback()
    assert accounts.find_user(session=session, username="li.na") is None

    good = admin.post(
        "/admin/users/new", data={**form, "department": "HOUSING", "password": DEMO_PASSWORD}
    )
    assert good.status_code == 303
    session.rollback()
    user = accounts.find_user(session=session, username="li.na")
    assert user.department_id == department.id and accounts.check_password(user, DEMO_PASSWORD)


def test_admins_deactivate_and_reset_passwords(app, make_user, sign_in, session, form_token):
    admin = sign_in(app.test_client(), make_user("boss", "admin"))
    user = make_user("wang", "staff")
    staff = sign_in(app.test_client(), user)
    assert staff.get("/staff/appeals").status_code == 200
    url = f"/admin/users/{user.id}/edit"
    page = admin.get(url).get_data(as_text=True)
    assert 'value="wang"' in page and DEMO_PASSWORD not in page
    token = form_token(admin, url)
    response = admin.post(url, data={"csrf_token": token, "username": "wang",
                                     "display_name": "王伟", "role": "staff", "department": "",
                                     "password": ""})  # fmt: skip
    assert response.status_code == 303
    session.rollback()
    session.expire_all()
    changed = session.exec(select(User).where(User.username == "wang")).one()
    assert changed.active is False and changed.display_name == "王伟"
    assert accounts.check_password(changed, DEMO_PASSWORD)  # an empty password keeps it
    assert staff.get("/staff/appeals").status_code == 302  # signed out at once


def test_the_username_stays_unique_on_edit(app, make_user, sign_in, form_token):
    admin = sign_in(app.test_client(), make_user("boss", "admin"))
    user = make_user("wang", "staff")
    url = f"/admin/users/{user.id}/edit"
    token = form_token(admin, url)
    response = admin.post(url, data={"csrf_token": token, "username": "boss",
                                     "display_name": "王", "role": "staff", "department": "",
                                     "password": "", "active": "y"})  # fmt: skip
    assert response.status_code == 422
    assert "该用户名已被使用" in response.get_data(as_text=True)


def test_an_unknown_user_is_404(app, make_user, sign_in):
    admin = sign_in(app.test_client(), make_user("boss", "admin"))
    assert admin.get("/admin/users/999/edit").status_code == 404


def test_seed_demo_adds_one_user_of_each_role_once(runner, session):
    first = runner.invoke(args=["panel", "seed-demo"])
    assert "3 users added" in first.output, first.output
    second = runner.invoke(args=["panel", "seed-demo"])
    assert "0 users added" in second.output
    session.rollback()
    roles = {u.username: str(u.role) for u in session.exec(select(User)).all()}
    assert roles == {"admin": "admin", "staff": "staff", "housing": "department"}
    housing = accounts.find_user(session=session, username="housing")
    assert accounts.check_password(housing, "demo-housing-12345")


def test_seed_demo_refuses_to_run_in_production(database_url, engine, session, signing_key_file):
    from panel_service import create_app
    from panel_service.config import Config

    app = create_app(
        Config.from_env(
            environ={},
            ENV="production",
            RATELIMIT_STORAGE_URL="redis://127.0.0.1:6379/15",
            SECRET_KEY="s" * 40,
            DATABASE_URL=database_url,
            AUDIT_SIGNING_KEY_FILE=signing_key_file,
        )  # fmt: skip
    )
    result = app.test_cli_runner().invoke(args=["panel", "seed-demo"])
    app.extensions["panel_engine"].dispose()
    assert result.exit_code == 1 and "development only" in result.output
    assert session.exec(select(User)).first() is None


def test_user_form_errors_speak_the_page_language(
    app, make_user, sign_in, form_token, department
):
    """The domain says why by code; a Chinese page words it in Chinese, an English one in
    English (the view used to match the domain's English sentences and show them as they were)."""
    admin = sign_in(app.test_client(), make_user("boss", "admin"))
    make_user("wang", "staff")
    token = form_token(admin, "/admin/users/new")
    form = {"csrf_token": token, "username": "WANG", "display_name": "王", "role": "staff",
            "department": "HOUSING", "password": "short", "active": "y"}  # fmt: skip
    chinese = admin.post("/admin/users/new", data=form).get_data(as_text=True)
    expected = ("该用户名已被使用", "密码须为 10 至 128 个字符", "只有责任单位用户才能选择所属单位")
    assert [words for words in expected if words not in chinese] == []
    assert "must be" not in chinese and "characters" not in chinese
    english = admin.post("/admin/users/new?lang=en", data=form).get_data(as_text=True)
    assert "This username is already taken" in english
    assert "Between 10 and 128 characters" in english
    bad_name = admin.post("/admin/users/new", data={**form, "username": "A B"}).text
    assert "用户名须为 2 至 64 个小写字母、数字或 . _ -" in bad_name
