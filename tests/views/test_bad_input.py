"""Bad input gets a clean 4xx: oversized bodies, wrong content types, NUL and non-UTF-8."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from sqlmodel import func, select

from panel_service.models import Appeal, Assignment

from .. import factories
from ..panelist_pages import pledge, seats

JSON = "application/json"


def _appeal_body(**overrides) -> dict:
    return {**asdict(factories.appeal_input()), **overrides}


def _appeals(session) -> int:
    session.rollback()
    session.expire_all()
    return session.exec(select(func.count()).select_from(Appeal)).one()


def test_an_api_body_over_the_limit_is_413(api, app):
    limit = app.config["PANEL_API_MAX_BODY"]
    body = json.dumps(_appeal_body(citizen_request="长" * limit))
    response = api.post("/api/v1/appeals", data=body, content_type=JSON)
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"


def test_a_page_body_over_the_limit_is_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = client.post("/login", data={"username": "x" * (100 * 1024), "password": "p"})
    assert response.status_code == 413
    assert "text/html" in response.content_type


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_the_api_takes_only_json(api, session, department, content_type):
    response = api.post("/api/v1/appeals", data="work_order_no=1", content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"
    assert _appeals(session) == 0


@pytest.mark.parametrize("content_type", [JSON, "text/plain", "application/xml"])
@pytest.mark.parametrize("path", ["/login", "/v/some-token", "/sms/status"])
def test_pages_take_only_forms(client, path, content_type):
    response = client.post(path, data='{"username": "wang"}', content_type=content_type)
    assert response.status_code == 415


def test_an_empty_post_needs_no_content_type(client):
    # A logout button posts a form with only its CSRF token; a body-less POST is no media type.
    assert client.post("/logout").status_code != 415


def test_nul_in_a_form_is_400_and_nothing_is_recorded(client, session, appeal, make_link):
    seat = seats(session, appeal)[0]
    token = make_link(seat)
    page = pledge(client, token)
    from ..panelist_pages import csrf_from

    response = client.post(
        f"/v/{token}",
        data={"csrf_token": csrf_from(page), "vote": "agree", "opinion": "同意\x00" * 10},
    )
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Assignment, seat.id).vote is None
    session.commit()


def test_nul_in_the_login_form_is_400(client, form_token):
    token = form_token(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "username": "wang\x00", "password": "x"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"username=\xff\xfewang&password=x", "application/x-www-form-urlencoded"),
        (b"username=%FF%FEwang&password=x", "application/x-www-form-urlencoded"),
        (b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\n\xff\xfe\r\n--b--\r\n',
         "multipart/form-data; boundary=b"),
    ],
    ids=["raw-bytes", "percent-encoded", "multipart"],
)
def test_invalid_utf8_in_a_form_is_a_clean_4xx(client, body, content_type):
    response = client.post("/login", data=body, content_type=content_type)
    assert response.status_code in (400, 422)
    assert "text/html" in response.content_type


@pytest.mark.parametrize("query", ["department=%00", "status=open%00", "x%00=1"])
def test_nul_in_an_api_query_is_422_as_the_api_documents(api, query):
    response = api.get(f"/api/v1/appeals?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid"


@pytest.mark.parametrize("path", ["/api/v1/appeals", "/login", "/staff/appeals"])
@pytest.mark.parametrize("query", ["\xff\xfe=1", "x=\xc3", "q=%00"])
def test_invalid_utf8_or_nul_in_a_query_is_a_clean_4xx(api, path, query):
    # QUERY_STRING as a server hands it over: the raw bytes, decoded as latin-1.
    response = api.get(path, environ_overrides={"QUERY_STRING": query})
    assert response.status_code in (400, 422)


def test_invalid_utf8_in_a_page_query_still_gets_the_html_error_page(client):
    response = client.get("/login", environ_overrides={"QUERY_STRING": "lang=\xff"})
    assert response.status_code == 400 and "text/html" in response.content_type


def test_invalid_utf8_json_is_400(api, session, department):
    body = b'{"work_order_no": "\xff\xfe"}'
    response = api.post("/api/v1/appeals", data=body, content_type=JSON)
    assert response.status_code == 400
    assert _appeals(session) == 0


@pytest.mark.parametrize("field", ["citizen_request", "work_order_no", "department"])
def test_nul_in_api_json_is_422_and_no_appeal_is_made(api, session, pool, department, field):
    body = _appeal_body(**{field: "路灯\u0000损坏"})
    response = api.post("/api/v1/appeals", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid"
    assert _appeals(session) == 0


@pytest.mark.parametrize("body", [b"{", b"[1, 2]", b'"text"', b"null", b"\x00\x01"])
def test_malformed_or_non_object_json_is_400(api, body):
    response = api.post("/api/v1/appeals", data=body, content_type=JSON)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_a_valid_appeal_still_goes_through(api, session, pool, department):
    response = api.post("/api/v1/appeals", data=json.dumps(_appeal_body()), content_type=JSON)
    assert response.status_code == 201
    assert _appeals(session) == 1


@pytest.mark.parametrize("raw", [b"a" + b"9" * 30, "a²".encode(), b"a-1", b"a"], ids=[
    "huge", "superscript-digit", "negative", "empty"])
def test_a_forged_cursor_is_422_not_a_crash(api, raw):
    import base64

    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = api.get(f"/api/v1/appeals?cursor={cursor}")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"cursor": "not a cursor this API gave out"}


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00"])
def test_a_since_beyond_the_calendar_is_422_not_a_crash(api, since):
    response = api.get(f"/api/v1/appeals?since={since}")
    assert response.status_code == 422
    assert "since" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "path", ["/api/v1/appeals/AP-2025-%00", "/v/abc%00def", "/staff/appeals/AP%00"]
)
def test_nul_in_a_path_is_404(api, path):
    assert api.get(path).status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_at_the_end_of_the_calendar_is_not_a_crash(staff_client, admin_client, day):
    # Their Beijing midnights (or the next day's) fall outside what datetime can hold.
    listing = staff_client.get(f"/staff/appeals?from={day}&to={day}")
    assert listing.status_code == 200 and "共 0 件" in listing.text
    assert admin_client.get(f"/admin/stats?start={day}&end={day}").status_code == 400
    assert admin_client.get(f"/admin/audit?start={day}&end={day}").status_code < 500


# -- issue: bad input, a clear error, nothing stored ------------------------------------------


@pytest.mark.parametrize("depth", [33, 980, 100_000])
def test_deeply_nested_json_is_a_clear_400_not_a_crash(api, session, department, depth):
    body = '{"work_order_no": ' + "[" * depth + "]" * depth + "}"
    response = api.post("/api/v1/appeals", data=body, content_type=JSON)
    assert response.status_code == 400
    assert response.get_json()["message"] == "the JSON nests deeper than 32 levels"
    assert _appeals(session) == 0


def test_json_nested_within_the_limit_is_read(api, session, department):
    body = json.dumps(_appeal_body(citizen_request=[[["路灯"]]]))
    response = api.post("/api/v1/appeals", data=body, content_type=JSON)
    assert response.status_code == 422  # read, then refused field by field
    assert response.get_json()["errors"] == {"citizen_request": "not_a_string"}


def test_a_repeated_json_key_is_400_and_no_appeal_is_made(api, session, pool, department):
    body = json.dumps(_appeal_body())[:-1] + ', "department": "NOPE"}'
    response = api.post("/api/v1/appeals", data=body, content_type=JSON)
    assert response.status_code == 400
    assert response.get_json()["message"] == "the JSON object repeats the key 'department'"
    assert _appeals(session) == 0


@pytest.mark.parametrize(
    "escape", ["%FF%FE", "%C3", "%ED%A0%80"], ids=["ff-fe", "cut", "surrogate"]
)
def test_a_non_utf8_opinion_is_400_and_nothing_is_stored(client, session, appeal, make_link,
                                                          escape):
    from ..panelist_pages import csrf_from

    seat = seats(session, appeal)[0]
    token = make_link(seat)
    pledge(client, token)
    form = client.get(f"/v/{token}")
    body = f"csrf_token={csrf_from(form)}&vote=agree&opinion={escape}部门已按时更换路灯市民不满意"
    response = client.post(f"/v/{token}", data=body,
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 400
    assert "text/html" in response.content_type
    session.expire_all()
    assert session.get(Assignment, seat.id).opinion is None


@pytest.mark.parametrize("path", ["/api/v1/appeals", "/api/v1/departments",
                                  "/api/v1/appeals/AP-2025-000001"])  # fmt: skip
def test_a_non_utf8_api_query_is_400_as_the_readme_promises(api, path):
    response = api.get(f"{path}?department=%FF")
    assert response.status_code == 400
    assert response.get_json()["message"] == "the query string is not valid UTF-8"


def test_a_non_utf8_page_query_is_400(staff_client):
    response = staff_client.get("/staff/appeals?q=%FF")
    assert response.status_code == 400 and "text/html" in response.content_type


@pytest.mark.parametrize("limit", ["abc", "", "1.5", "٣"])
def test_a_limit_that_is_not_a_whole_number_is_422(api, limit):
    response = api.get(f"/api/v1/appeals?limit={limit}")
    assert response.status_code == 422
    assert "limit" in response.get_json()["errors"]


def _post_chunked(base: str, path: str, *, size: int, headers: dict) -> int:
    """POST ``size`` bytes with Transfer-Encoding: chunked (no Content-Length)."""
    import http.client

    def chunks():
        for start in range(0, size, 64 * 1024):
            yield b"a" * min(64 * 1024, size - start)

    conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
    try:
        conn.request("POST", path, body=chunks(), headers=headers, encode_chunked=True)
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_chunked_body_over_the_limit_is_413_as_a_sized_one(app, api_key, session, department):
    from .. import procs

    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    api_limit = app.config["PANEL_API_MAX_BODY"]
    json_headers = {"Authorization": f"Bearer {api_key}", "Content-Type": JSON}
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with procs.serve(app) as base:
        api_status = _post_chunked(base, "/api/v1/appeals", size=api_limit + 1024,
                                   headers=json_headers)  # fmt: skip
        page_status = _post_chunked(base, "/login", size=128 * 1024, headers=form_headers)
        small = _post_chunked(base, "/api/v1/appeals", size=10, headers=json_headers)
    assert (api_status, page_status) == (413, 413)
    assert small == 400  # ten bytes of "a": read whole, and not JSON
    assert _appeals(session) == 0


def test_an_opinion_of_zero_width_spaces_is_refused_beside_the_field(client, session, appeal,
                                                                     make_link):
    from ..panelist_pages import csrf_from

    seat = seats(session, appeal)[0]
    token = make_link(seat)
    pledge(client, token)
    form = client.get(f"/v/{token}")
    response = client.post(f"/v/{token}", data={
        "csrf_token": csrf_from(form), "vote": "agree", "opinion": "\u200b" * 10 + "好"})
    assert response.status_code == 422
    assert "请填写10至2000字的评议意见。" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Assignment, seat.id).opinion is None


def test_bidirectional_overrides_never_reach_a_stored_appeal(api, session, pool, department):
    body = _appeal_body(appeal_reason="市民满意度评价有误\u202e，请复核\u2066。\u2069")
    response = api.post("/api/v1/appeals", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 201
    session.expire_all()
    assert session.exec(select(Appeal)).one().appeal_reason == "市民满意度评价有误，请复核。"


def test_bidirectional_overrides_never_reach_a_stored_withdrawal_reason(session, appeal, now):
    from panel_service.panel.lifecycle import withdraw_appeal

    withdraw_appeal(session=session, appeal=appeal, reason="\u202e部门已撤回\u2066申诉\u2069 ",
                    actor="staff:test", now=now)  # fmt: skip
    session.commit()
    session.expire_all()
    assert session.get(Appeal, appeal.id).withdrawn_reason == "部门已撤回申诉"


def test_a_chunked_form_is_held_to_what_a_form_may_be(app):
    """A urlencoded form is read whole, so it gets Werkzeug's form limit (500 KB), not the
    upload limit (PANEL_MAX_UPLOAD_MB), chunked or not."""
    from .. import procs

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with procs.serve(app) as base:
        status = _post_chunked(base, "/login", size=600 * 1024, headers=form)
    assert app.config["MAX_CONTENT_LENGTH"] > 600 * 1024
    assert status == 413
