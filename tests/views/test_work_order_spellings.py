"""One work order, one live appeal, however the API or the forms spell its number."""

from __future__ import annotations

import html as htmllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from panel_service.models import Appeal

from ..spellings import LOOK_ALIKES, NUMBER, SAME_WORK_ORDER
from .test_api import count_appeals, payload
from .test_staff import form_data

# What a person may put around or between the characters of a number.
NOISE = st.lists(st.sampled_from(["\u200b", "\ufeff", "\u00ad", "\u2060", " ", "\u3000",
                                  "-", "－", "\u2014", "\u2212"]), max_size=1)  # fmt: skip

# A NUL never reaches the appeal: the request guard refuses it first (views/security.py).
REFUSED = {name: text for name, text in LOOK_ALIKES.items() if "\x00" not in text}


def test_the_api_takes_each_spelling_once_and_stores_the_canonical_one(api, session, pool):
    first = api.post(
        "/api/v1/appeals", json=payload(work_order_no="ｘｎ２０２６１２０１０００７７７")
    )
    assert first.status_code == 201, first.json
    assert first.json["work_order_no"] == NUMBER
    for name, spelling in SAME_WORK_ORDER.items():
        again = api.post("/api/v1/appeals", json=payload(work_order_no=spelling))
        assert again.status_code == 409, name
        assert again.json["reason"] == "duplicate_appeal"
        assert again.json["reference"] == first.json["reference"]
    assert count_appeals(session) == 1
    assert session.exec(select(Appeal.work_order_no)).one() == NUMBER


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data())
def test_no_spelling_an_ime_or_a_paste_produces_opens_a_second_appeal(api, session, pool, data):
    if count_appeals(session) == 0:
        assert api.post("/api/v1/appeals", json=payload(work_order_no=NUMBER)).status_code == 201
    typed = ""
    for char in NUMBER:
        if data.draw(st.booleans()):
            char = chr(ord(char) + 0xFEE0)  # full width, as a Chinese IME types it
        if data.draw(st.booleans()):
            char = char.lower()
        typed += char + "".join(data.draw(NOISE))
    response = api.post("/api/v1/appeals", json=payload(work_order_no=typed))
    assert response.status_code == 409, (typed, response.json)
    assert count_appeals(session) == 1


@pytest.mark.parametrize("spelling", REFUSED.values(), ids=REFUSED.keys())
def test_the_api_refuses_a_look_alike_naming_the_field(api, session, pool, spelling):
    response = api.post("/api/v1/appeals", json=payload(work_order_no=spelling))
    assert response.status_code == 422
    assert response.json["errors"] == {"work_order_no": "work_order_format"}
    assert count_appeals(session) == 0


def test_the_api_refuses_a_look_alike_even_after_the_real_one(api, session, pool):
    assert api.post("/api/v1/appeals", json=payload(work_order_no=NUMBER)).status_code == 201
    for spelling in LOOK_ALIKES.values():
        assert api.post("/api/v1/appeals", json=payload(work_order_no=spelling)).status_code == 422
    assert count_appeals(session) == 1


def _post(client, url, form_token, number):
    return client.post(url, data=form_data(form_token(client, url), work_order_no=number))


@pytest.mark.parametrize(
    ("client_name", "url"),
    [("department_client", "/department/appeals/new"), ("staff_client", "/staff/appeals/new")],
)
def test_the_forms_take_each_spelling_once(request, session, pool, form_token, client_name, url):
    client = request.getfixturevalue(client_name)
    first = _post(client, url, form_token, "ＸＮ２０２６１２０１０００７７７")
    assert first.status_code == 303
    reference = session.exec(select(Appeal.reference)).one()
    for name, spelling in SAME_WORK_ORDER.items():
        again = _post(client, url, form_token, spelling)
        page = htmllib.unescape(again.get_data(as_text=True))
        assert again.status_code == 422, name
        # The department's own appeal: it may be told which one.
        assert f"该工单已有申诉 {reference}" in page, name
    assert count_appeals(session) == 1
    assert session.exec(select(Appeal.work_order_no)).one() == NUMBER


@pytest.mark.parametrize("spelling", list(LOOK_ALIKES.values())[:4], ids=list(LOOK_ALIKES)[:4])
def test_the_form_refuses_a_look_alike_and_keeps_what_was_typed(
    department_client, session, pool, form_token, spelling
):
    response = _post(department_client, "/department/appeals/new", form_token, spelling)
    page = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "工单编号应为4至32位英文字母A-Z和数字0-9" in page
    assert spelling.strip() in page  # re-rendered as typed
    assert count_appeals(session) == 0


def test_the_search_box_finds_a_work_order_however_it_is_typed(staff_client, api, pool):
    reference = api.post("/api/v1/appeals", json=payload(work_order_no=NUMBER)).json["reference"]
    for typed in ("ｘｎ２０２６１２０１", "xn-2026-1201", "\u200bXN20261201000777"):
        page = staff_client.get("/staff/appeals", query_string={"q": typed}).get_data(as_text=True)
        assert reference in page, typed
