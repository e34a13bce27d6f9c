"""The OpenAPI document describes exactly the API's routes, methods and status codes."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from panel_service.appeals.work_order_numbers import canonical
from panel_service.views.api.openapi import DOCUMENT
from panel_service.views.api.schemas import WORK_ORDER_IN_PATTERN

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
        routes |= {(path, m.lower()) for m in rule.methods - IGNORED_METHODS}
    return routes


def documented() -> set[tuple[str, str]]:
    return {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}


def test_every_route_is_documented_and_every_documented_route_exists(app):
    assert api_routes(app) == documented()


def test_every_path_parameter_is_declared():
    for path, item in DOCUMENT["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, path


def test_every_status_the_issue_names_is_documented():
    create = DOCUMENT["paths"]["/appeals"]["post"]["responses"]
    assert {"201", "400", "401", "409", "413", "415", "422"} <= set(create)
    get = DOCUMENT["paths"]["/appeals/{reference}"]["get"]["responses"]
    assert {"200", "401", "404"} <= set(get)


def test_every_reference_resolves():
    text = repr(DOCUMENT)
    for ref in re.findall(r"'#/components/schemas/(\w+)'", text):
        assert ref in DOCUMENT["components"]["schemas"], ref


def test_the_document_is_served_without_a_key(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"] == "3.1.0"
    assert response.json == DOCUMENT


def test_a_created_appeal_has_the_documented_required_fields(api, pool):
    from .test_api import payload

    body = api.post("/api/v1/appeals", json=payload()).json
    assert set(DOCUMENT["components"]["schemas"]["Appeal"]["required"]) <= set(body)
    assert set(body) <= set(DOCUMENT["components"]["schemas"]["Appeal"]["properties"])


def test_every_operation_documents_429_with_retry_after_and_400_for_a_non_utf8_query():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"400", "422", "429"} <= set(responses), (method, path)
            assert responses["429"]["headers"]["Retry-After"]["required"] is True


def test_the_document_names_the_department_codes_the_api_accepts(client, department):
    document = client.get("/api/v1/openapi.json").json
    new = document["components"]["schemas"]["NewAppeal"]["properties"]["department"]
    assert new["enum"] == ["HOUSING"]
    query = document["paths"]["/appeals"]["get"]["parameters"][0]
    assert query["name"] == "department" and query["schema"]["enum"] == ["HOUSING"]


@settings(max_examples=500, deadline=None)
@given(st.from_regex(WORK_ORDER_IN_PATTERN, fullmatch=True).filter(lambda text: len(text) <= 64))
def test_every_work_order_spelling_the_document_admits_is_one_the_api_accepts(text):
    assert re.fullmatch(r"[A-Z0-9]{4,32}", canonical(text))


def test_every_status_an_appeal_can_be_in_is_in_the_document():
    from panel_service.enums import AppealStatus

    shown = DOCUMENT["components"]["schemas"]["Appeal"]["properties"]["status"]["enum"]
    query = next(p for p in DOCUMENT["paths"]["/appeals"]["get"]["parameters"]
                 if p["name"] == "status")  # fmt: skip
    assert set(shown) == set(query["schema"]["enum"]) == {s.value for s in AppealStatus}
    assert "drawing" in shown
