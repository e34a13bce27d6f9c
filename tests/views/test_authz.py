"""Who may use what: every route for every kind of caller, and a guard on every blueprint."""

from __future__ import annotations

from pathlib import Path

import pytest

from panel_service.panel import visits
from panel_service.panel.seating import seated
from panel_service.views import guards

from ..appeals.test_attachments import _attach

IDENTITIES = ("anonymous", "panelist_link", "staff", "department", "admin", "api_key")

# What each kind of caller gets from each blueprint:
#   ok        - let through (any answer but 401, 403 or a redirect to the login page)
#   login     - redirected to the login page
#   forbidden - 403
#   unauth    - 401 (the API: a bearer key and nothing else)
#   found     - let through and found (a panelist's own link)
#   notfound  - 404 (a panelist's link without a valid token)
# (The SMS provider's receipts are 403 for everyone alike: only a signed request gets in.)
PAGES = {"anonymous": "login", "panelist_link": "login", "api_key": "login"}
EXPECTED = {
    "main": dict.fromkeys(IDENTITIES, "ok"),
    "auth": dict.fromkeys(IDENTITIES, "ok"),
    "panelist": {**dict.fromkeys(IDENTITIES, "notfound"), "panelist_link": "found"},
    "receipts": dict.fromkeys(IDENTITIES, "forbidden"),
    "public": dict.fromkeys(IDENTITIES, "ok"),  # the public record: everyone, no sign-in
    "aliyun_receipts": dict.fromkeys(IDENTITIES, "notfound"),  # no secret in the URL
    "staff": {**PAGES, "staff": "ok", "department": "forbidden", "admin": "ok"},
    "department": {**PAGES, "staff": "forbidden", "department": "ok", "admin": "forbidden"},
    "admin": {**PAGES, "staff": "forbidden", "department": "forbidden", "admin": "ok"},
    "api": {**dict.fromkeys(IDENTITIES, "unauth"), "api_key": "ok"},
}
# Endpoints whose answer does not follow their blueprint's rule, and why.
OVERRIDES = {
    "api.openapi.document": dict.fromkeys(IDENTITIES, "ok"),  # the API's description is public
    "auth.logout": dict.fromkeys(IDENTITIES, "login"),  # signing out lands on the login page
}


# Streamed downloads whose request context outlives the test client's read on SQLite, so the
# write lock stays held for the rest of the test; their access is covered for the refused
# identities here and for the allowed one by their own tests.


def classify(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and location.split("?")[0].endswith("/login"):
        return "login"
    if response.status_code == 401:
        return "unauth"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 404:
        return "notfound"
    return "ok"


@pytest.fixture
def world(app, session, appeal, make_user, sign_in, api_key, make_link, now):
    """An appeal with an attachment, one signed-in client per role, a link and an API key."""
    attached = _attach(session, appeal, Path(app.config["PANEL_ATTACHMENT_DIR"]), now)
    admin = make_user("admin-authz", "admin")
    clients = {name: app.test_client() for name in IDENTITIES}
    sign_in(clients["staff"], make_user("staff-authz", "staff"))
    sign_in(clients["department"], make_user("housing-authz", "department", "HOUSING"))
    sign_in(clients["admin"], admin)
    seat = seated(session=session, appeal_id=appeal.id)[0]
    # Pledged, or the link's own files would be refused like a forged link.
    visits.confirm_pledge(session=session, assignment=seat, now=now)
    session.commit()
    token = make_link(seat)
    csrf = {name: _csrf_header(app, client) for name, client in clients.items()}
    return {
        "csrf": csrf,
        "clients": clients,
        "values": {
            "reference": appeal.reference,
            "public_id": attached.public_id,
            "user_id": admin.id,
            "panelist_id": seated(session=session, appeal_id=appeal.id)[0].panelist_id,
        },
        "token": token,
        "api_key": api_key,
    }


def _csrf_header(app, client) -> dict:
    """A valid CSRF token for the client's session: this test is about who, not about CSRF."""
    from flask import session as flask_session
    from flask_wtf.csrf import generate_csrf

    with app.test_request_context():
        signed = generate_csrf()
        raw = flask_session["csrf_token"]
    with client.session_transaction() as stored:
        stored["csrf_token"] = raw
    return {"X-CSRFToken": signed}


def _url(app, rule, values: dict, token: str) -> str:
    args = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if name == "token":
            args[name] = token
        elif name in values:
            args[name] = values[name]
        elif hasattr(converter, "items"):
            args[name] = sorted(converter.items)[0]
        elif converter.regex == r"\d+":
            args[name] = 1
        else:
            args[name] = "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_authorization_matrix(app, world, identity):
    client = world["clients"][identity]
    headers = dict(world["csrf"][identity])
    if identity == "api_key":
        headers["Authorization"] = f"Bearer {world['api_key']}"
    token = world["token"] if identity == "panelist_link" else "not-a-valid-token"
    wrong = []
    checked = 0
    # Signing out ends the session, so it goes last.
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout")
    for rule in rules:
        if rule.endpoint == "static":
            continue
        blueprint = rule.endpoint.split(".")[0]
        expected = OVERRIDES.get(rule.endpoint, EXPECTED.get(blueprint))
        assert expected is not None, f"no expectation for blueprint {blueprint}"
        method = next(m for m in ("GET", "POST", "PUT") if m in rule.methods)
        url = _url(app, rule, world["values"], token)
        response = client.open(url, method=method, headers=headers)
        got = classify(response)
        response.get_data()  # read streamed bodies to the end, as a browser would
        response.close()
        checked += 1
        want = expected[identity]
        # A let-through request may still find nothing (the test's ids are made up).
        if got == want or (want == "ok" and got == "notfound") or (want, got) == ("found", "ok"):
            continue
        wrong.append(f"{method} {url}: {response.status_code} ({got}), expected {want}")
    assert checked >= 25
    assert wrong == []


def test_every_blueprint_but_the_public_ones_has_a_role_guard(app):
    for name in app.blueprints:
        guard = guards.guard_of(app, name)  # a nested blueprint has its parent's
        assert guard is not None, f"blueprint {name} has no guard"
        if name.split(".")[0] not in guards.PUBLIC:
            assert guard is not guards.public, f"blueprint {name} is open to everyone"
    assert set(app.blueprints) >= {"staff", "department", "admin", "api", "auth"}
    assert {"admin.users", "admin.roster", "panelist.pages", "api.appeals"} <= set(app.blueprints)


def test_the_guard_runs_before_the_blueprints_own_hooks(app):
    # Flask runs a parent blueprint's hooks before its nested blueprints' own.
    for name in (n for n in app.blueprints if "." not in n):
        assert getattr(app.before_request_funcs[name][0], "is_guard", False), name


def test_a_deactivated_user_is_signed_out_at_the_next_request(
    app, session, make_user, sign_in
):
    user = make_user("wang", "staff")
    client = sign_in(app.test_client(), user)
    assert client.get("/staff/appeals").status_code == 200
    user.active = False
    session.add(user)
    session.commit()
    assert classify(client.get("/staff/appeals")) == "login"


def test_pages_answer_html_errors_and_the_api_json(app, staff_client):
    page = staff_client.get("/staff/appeals/AP-2025-999999")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "页面不存在" in page.get_data(as_text=True)
    api = app.test_client().get("/api/v1/appeals/AP-2025-999999")
    assert api.status_code == 401 and api.mimetype == "application/json"
    wants_json = staff_client.get("/nowhere", headers={"Accept": "application/json"})
    assert wants_json.status_code == 404 and wants_json.json["error"] == "not_found"
