"""The JSON API: every status code it documents, idempotency and cursor pagination."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import func, select

from panel_service.models import Appeal, IdempotencyRecord
from panel_service.panel import lifecycle
from panel_service.panel.seating import seated

from .. import factories


def payload(**overrides) -> dict:
    return dataclasses.asdict(factories.appeal_input(**overrides))


def count_appeals(session) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(Appeal)).one()


def test_departments_are_listed_by_code(api, department):
    response = api.get("/api/v1/departments")
    assert response.status_code == 200
    assert response.json == [{"code": "HOUSING", "name": "市住房和城乡建设局"}]


def test_submitting_an_appeal_draws_its_panel(api, session, pool):
    response = api.post("/api/v1/appeals", json=payload())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["reference"].startswith("AP-2025-")
    assert body["status"] == "open" and body["decision"] is None
    # Wednesday 24 September 2025, 10:00: the 3rd working day after is Sunday the 28th, a
    # working day in lieu of National Day; 18:00 Beijing.
    assert body["deadline"] == "2025-09-28T10:00:00Z"
    assert response.headers["Location"] == f"/api/v1/appeals/{body['reference']}"
    session.rollback()
    appeal = session.exec(select(Appeal)).one()
    assert appeal.submitted_by == "api:hotline-platform"
    assert len(seated(session=session, appeal_id=appeal.id)) == 5


def test_a_second_live_appeal_on_the_work_order_is_409(api, session, pool):
    body = payload()
    first = api.post("/api/v1/appeals", json=body)
    second = api.post("/api/v1/appeals", json=body)
    assert second.status_code == 409
    assert second.json["error"] == "conflict"
    assert second.json["reference"] == first.json["reference"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"department": "NOPE"}, "department", "unknown_department"),
        ({"citizen_request": None}, "citizen_request", "required"),
        ({"appeal_reason": "  "}, "appeal_reason", "required"),
        ({"policy_basis": "条" * 5001}, "policy_basis", "too_long"),
        ({"work_order_no": 12345}, "work_order_no", "not_a_string"),
        ({"repeat_calls": "3"}, "repeat_calls", "not_a_whole_number"),
        ({"repeat_calls": True}, "repeat_calls", "not_a_whole_number"),
        ({"repeat_calls": 1}, "repeat_calls", "out_of_range"),
    ],
)
def test_invalid_fields_are_422_field_by_field(api, session, pool, overrides, field, message):
    response = api.post("/api/v1/appeals", json=payload(**overrides))
    assert response.status_code == 422
    assert response.json["error"] == "invalid"
    assert response.json["errors"][field] == message
    assert count_appeals(session) == 0


def test_missing_fields_are_each_named(api, session, pool):
    response = api.post("/api/v1/appeals", json={})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {
        "work_order_no", "department", "citizen_request", "department_reply",
        "appeal_reason", "policy_basis", "repeat_calls",
    }  # fmt: skip


def test_malformed_json_is_400(api, pool):
    response = api.post(
        "/api/v1/appeals", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"


def test_a_json_array_is_400(api, pool):
    assert api.post("/api/v1/appeals", json=[payload()]).status_code == 400


def test_a_non_json_body_is_415(api, pool):
    response = api.post("/api/v1/appeals", data=payload())
    assert response.status_code == 415
    assert response.json["error"] == "unsupported_media_type"


def test_a_body_over_the_limit_is_413(api, session, pool):
    response = api.post("/api/v1/appeals", json=payload(citizen_request="长" * 300_000))
    assert response.status_code == 413
    assert response.json["error"] == "too_large"
    assert count_appeals(session) == 0


def test_no_panelists_to_draw_is_503(api, session, department):
    response = api.post("/api/v1/appeals", json=payload())
    assert response.status_code == 503
    assert count_appeals(session) == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer pk_not-a-key"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
)
def test_without_a_valid_key_every_endpoint_is_401(app, api_key, headers):
    client = app.test_client()
    for method, url in [("get", "/api/v1/departments"), ("get", "/api/v1/appeals"),
                        ("get", "/api/v1/appeals/AP-2025-000001"),
                        ("post", "/api/v1/appeals")]:  # fmt: skip
        response = getattr(client, method)(url, headers=headers, json={})
        assert response.status_code == 401, url
        assert response.json["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_browser_session_is_not_an_api_key(staff_client):
    assert staff_client.get("/api/v1/departments").status_code == 401


def test_an_unknown_reference_is_404(api):
    response = api.get("/api/v1/appeals/AP-2025-999999")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_an_unknown_api_path_is_json_404_and_a_wrong_method_json_405(api):
    assert api.get("/api/v1/nothing").json["error"] == "not_found"
    response = api.client.delete("/api/v1/departments", headers=api.headers)
    assert response.status_code == 405 and response.json["error"] == "method_not_allowed"


def test_vote_counts_appear_only_once_decided(api, session, appeal, rules, now):
    seats = seated(session=session, appeal_id=appeal.id)
    url = f"/api/v1/appeals/{appeal.reference}"
    for seat in seats[:2]:
        lifecycle.record_vote(
            session=session,
            assignment=seat,
            vote="agree",
            opinion="材料齐全,处置得当,应当支持。",
            rules=rules,
            now=now,
        )
    session.commit()
    body = api.get(url).json
    assert body["status"] == "open"
    assert "votes_received" not in body  # even the count says how the panel leans
    assert body["votes"] is None and body["decision"] is None and body["decided_at"] is None

    lifecycle.record_vote(
        session=session,
        assignment=seats[2],
        vote="disagree",
        opinion="答复未解决市民的实际问题。",
        rules=rules,
        now=now,
    )
    lifecycle.record_vote(
        session=session,
        assignment=seats[3],
        vote="agree",
        opinion="部门已按规定办结,理由充分。",
        rules=rules,
        now=now,
    )
    session.commit()
    body = api.get(url).json
    assert body["status"] == "decided" and body["decision"] == "upheld"
    assert body["votes"] == {"agree": 3, "disagree": 1}
    assert body["votes_received"] == 4
    assert body["decided_at"] == "2025-09-24T02:00:00Z"


def test_idempotent_retry_returns_the_first_answer(api, session, pool):
    body = payload()
    headers = {"Idempotency-Key": "req-2025-0001"}
    first = api.post("/api/v1/appeals", json=body, headers=headers)
    retry = api.post("/api/v1/appeals", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json == first.json
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert count_appeals(session) == 1
    # Without the key the same body is a duplicate, as it should be.
    assert api.post("/api/v1/appeals", json=body).status_code == 409


def test_an_idempotency_key_reused_with_another_body_is_refused(api, session, pool):
    headers = {"Idempotency-Key": "req-2025-0002"}
    assert api.post("/api/v1/appeals", json=payload(), headers=headers).status_code == 201
    other = api.post("/api/v1/appeals", json=payload(), headers=headers)
    assert other.status_code == 409  # a well-formed body in conflict with the key's first
    assert "Idempotency-Key" in other.json["errors"]
    assert count_appeals(session) == 1


def test_a_refused_request_is_not_remembered(api, session, pool):
    headers = {"Idempotency-Key": "req-2025-0003"}
    body = payload(department="NOPE")
    assert api.post("/api/v1/appeals", json=body, headers=headers).status_code == 422
    session.rollback()
    assert session.exec(select(IdempotencyRecord)).first() is None


def test_a_bad_idempotency_key_is_400(api, pool):
    response = api.post("/api/v1/appeals", json=payload(), headers={"Idempotency-Key": "k" * 101})
    assert response.status_code == 400


def _create(session, rules, now, n, **overrides):
    from panel_service.appeals.submission import create_appeal

    appeals = [
        create_appeal(session=session, data=factories.appeal_input(**overrides),
                      submitted_by="staff:test", rules=rules, now=now)  # fmt: skip
        for _ in range(n)
    ]
    session.commit()
    return appeals


def test_the_list_pages_with_a_cursor(api, session, pool, rules, now):
    created = _create(session, rules, now, 5)
    seen, cursor = [], None
    for _ in range(5):
        url = "/api/v1/appeals?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url).json
        seen += [item["reference"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [a.reference for a in created]


def test_the_list_filters_by_department_status_and_since(api, session, pool, rules, now):
    from datetime import timedelta

    from panel_service.timeutil import set_clock

    other = factories.DepartmentFactory(code="EDU", name="市教育局")
    session.commit()
    _create(session, rules, now, 1)
    later = now + timedelta(days=2)
    set_clock(lambda: later)
    (edu,) = _create(session, rules, later, 1, department="EDU")
    assert other.id == edu.department_id

    def refs(query):
        return [i["reference"] for i in api.get(f"/api/v1/appeals?{query}").json["items"]]

    assert refs("department=EDU") == [edu.reference]
    assert refs("since=2025-09-25T00:00:00%2B08:00") == [edu.reference]
    assert len(refs("status=open")) == 2
    assert refs("status=decided") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("department=NOPE", "department"), ("status=done", "status"),
     ("since=yesterday", "since"), ("since=2025-09-01T00:00:00", "since"),
     ("cursor=%%%", "cursor"), ("limit=0", "limit"), ("limit=1000", "limit")],
)  # fmt: skip
def test_bad_list_parameters_are_422(api, department, query, field):
    response = api.get(f"/api/v1/appeals?{query}")
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_concurrent_retries_with_one_key_create_one_appeal(app, api_key, session, pool):
    """Retries racing each other (a client that timed out and retried at once) all get the
    first answer, and only one appeal exists, on either database."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    body = payload()
    headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": "race-0001"}
    start = threading.Barrier(4)

    def post(_):
        client = app.test_client()
        start.wait()
        response = client.post("/api/v1/appeals", json=body, headers=headers)
        return response.status_code, response.json["reference"]

    with ThreadPoolExecutor(4) as pool_:
        answers = list(pool_.map(post, range(4)))
    assert {status for status, _ in answers} == {201}
    assert len({reference for _, reference in answers}) == 1
    assert count_appeals(session) == 1


def test_idempotency_keys_are_forgotten_after_a_week(api, session, pool, make_worker, now):
    from datetime import timedelta

    from panel_service import timeutil

    assert api.post("/api/v1/appeals", json=payload(),
                    headers={"Idempotency-Key": "old"}).status_code == 201  # fmt: skip
    timeutil.set_clock(lambda: now + timedelta(days=8))
    report = make_worker().run_once()
    assert report.counts["idempotency keys forgotten"] == 1
    session.rollback()
    assert session.exec(select(IdempotencyRecord)).first() is None


# -- the API says what it enforces (schemathesis' four mismatches) ----------------------------


@pytest.mark.parametrize("name", ["since", "status", "cursor", "department", "limit"])
def test_an_empty_query_parameter_is_refused_not_ignored(api, department, name):
    response = api.get(f"/api/v1/appeals?{name}=")
    assert response.status_code == 422
    assert name in response.json["errors"]


@pytest.mark.parametrize("cursor", ["nAAAAAA", "n______", "n-_09az"])
def test_every_cursor_the_document_allows_is_a_place_in_the_list(api, session, pool, rules,
                                                                  now, cursor):
    import re

    from panel_service.views.api.openapi import DOCUMENT

    created = _create(session, rules, now, 2)
    (schema,) = [p["schema"] for p in DOCUMENT["paths"]["/appeals"]["get"]["parameters"]
                 if p["name"] == "cursor"]  # fmt: skip
    assert re.search(schema["pattern"], cursor)
    response = api.get(f"/api/v1/appeals?cursor={cursor}")
    assert response.status_code == 200
    expected = [a.reference for a in created] if cursor == "nAAAAAA" else []
    assert [item["reference"] for item in response.json["items"]] == expected


def test_a_cursor_given_out_matches_the_documented_pattern(api, session, pool, rules, now):
    import re

    from panel_service.views.api.appeals import CURSOR_PATTERN

    _create(session, rules, now, 3)
    cursor = api.get("/api/v1/appeals?limit=1").json["next_cursor"]
    assert re.fullmatch(CURSOR_PATTERN, cursor)


@pytest.mark.parametrize("key", ["!", "~" * 100, "0"])
def test_an_idempotency_key_the_document_allows_is_taken(api, pool, key):
    import re

    from panel_service.views.api.openapi import DOCUMENT

    (header,) = DOCUMENT["paths"]["/appeals"]["post"]["parameters"]
    assert re.search(header["schema"]["pattern"], key) and len(key) <= 100
    response = api.post("/api/v1/appeals", json=payload(), headers={"Idempotency-Key": key})
    assert response.status_code == 201


@pytest.mark.parametrize("key", ["with space", "k" * 101, "\t"])
def test_an_idempotency_key_the_document_refuses_is_400(api, pool, key):
    response = api.post("/api/v1/appeals", json=payload(), headers={"Idempotency-Key": key})
    assert response.status_code == 400


def test_a_whole_number_of_repeat_calls_written_as_a_float_is_taken(api, pool):
    response = api.post("/api/v1/appeals", json=payload(repeat_calls=3.0))
    assert response.status_code == 201


def test_a_field_the_api_does_not_know_is_ignored_even_with_a_nul(api, pool):
    """The document allows other properties; nothing of them is stored, so nothing is refused."""
    response = api.post("/api/v1/appeals", json={**payload(), "platform_note": "备注\u0000"})
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("text", "taken"),
    [("\x1f", False), ("\ufeff", False), ("\u202e\u2066", False), ("\u3000 \x85", False),
     ("a\x1f", True), ("\u200b", True), ("路", True)],
)  # fmt: skip
def test_a_text_field_is_taken_exactly_when_the_documented_pattern_allows_it(api, pool, text,
                                                                              taken):
    import re

    from panel_service.views.api.openapi import DOCUMENT

    schema = DOCUMENT["components"]["schemas"]["NewAppeal"]["properties"]["citizen_request"]
    assert bool(re.search(schema["pattern"], text)) is taken
    response = api.post("/api/v1/appeals", json=payload(citizen_request=text))
    assert response.status_code == (201 if taken else 422)
