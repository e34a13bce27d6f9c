"""A work order belongs to one department: no squatting, no leaked references, moves audited."""

from __future__ import annotations

import html as htmllib

import pytest
from sqlmodel import select

from panel_service.enums import AppealStatus
from panel_service.models import Appeal, AuditEvent
from panel_service.panel import lifecycle
from panel_service.panel.seating import seated

from .. import factories
from .test_api import count_appeals, payload
from .test_staff import form_data, fresh

NUMBER = "XN20261201000777"
MOVED = "work_order.moved"
NEW = "/department/appeals/new"


@pytest.fixture
def edu_client(app, make_user, sign_in, session, department):
    """A signed-in user of another department, 市教育局 (EDU)."""
    factories.DepartmentFactory(code="EDU", name="市教育局")
    session.commit()
    return sign_in(app.test_client(), make_user("edu-test", "department", "EDU"))


def _work_order(session, number):
    from panel_service.models import WorkOrder  # new in revision 0010

    session.rollback()
    return session.get(WorkOrder, number)


def _file(client, form_token, number=NUMBER, department="HOUSING"):
    data = form_data(form_token(client, NEW), work_order_no=number, department=department)
    response = client.post(NEW, data=data)
    return response, htmllib.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("spelling", [NUMBER, "xn-20261201-000777"])
def test_another_department_is_not_told_the_appeal_it_collides_with(
    api, edu_client, session, pool, form_token, spelling
):
    reference = api.post("/api/v1/appeals", json=payload(work_order_no=NUMBER)).json["reference"]
    response, page = _file(edu_client, form_token, spelling, "EDU")
    assert response.status_code == 422
    assert reference not in page and "AP-" not in page
    assert "HOUSING" not in page and "市住房和城乡建设局" not in page
    assert "该工单未登记在本部门名下" in page
    assert count_appeals(session) == 1


def test_a_department_cannot_squat_a_work_order_another_has_claimed(
    department_client, edu_client, session, pool, form_token
):
    assert _file(department_client, form_token)[0].status_code == 303
    assert _work_order(session, NUMBER).source == "department"
    response, page = _file(edu_client, form_token, department="EDU")
    assert response.status_code == 422 and "AP-" not in page and "HOUSING" not in page


def test_the_hotline_moves_a_squatted_work_order_and_the_rightful_department_appeals(
    api, edu_client, session, pool, form_token
):
    # 教育局 files first, by mistake, for a work order of 住建局.
    assert _file(edu_client, form_token, department="EDU")[0].status_code == 303
    squat = session.exec(select(Appeal)).one()
    refused = api.post("/api/v1/appeals", json=payload(work_order_no=NUMBER))
    assert refused.status_code == 409
    assert refused.json["reason"] == "work_order_elsewhere"
    assert refused.json["department"] == "EDU"  # the hotline may know; no reference given
    assert "reference" not in refused.json

    moved = api.put(
        "/api/v1/work-orders/ｘｎ２０２６１２０１０００７７７",
        json={"department": "HOUSING", "reason": "工单派发给住建局，教育局误报"},
    )
    assert moved.status_code == 200, moved.json
    assert moved.json == {"work_order_no": NUMBER, "department": "HOUSING",
                          "withdrawn": squat.reference}  # fmt: skip
    assert fresh(session, squat).status == AppealStatus.WITHDRAWN
    event = session.exec(select(AuditEvent).where(AuditEvent.kind == MOVED)).one()
    assert event.appeal_id is None and event.actor == "api:hotline-platform"
    assert '"from":"EDU"' in event.data and '"department":"HOUSING"' in event.data
    assert "误报" not in event.data  # the public record holds the reason's digest only

    created = api.post("/api/v1/appeals", json=payload(work_order_no=NUMBER))
    assert created.status_code == 201, created.json
    response, page = _file(edu_client, form_token, department="EDU")
    assert response.status_code == 422 and created.json["reference"] not in page


def test_moving_to_where_it_already_is_changes_nothing(api, session, pool):
    api.post("/api/v1/appeals", json=payload(work_order_no=NUMBER))
    again = api.put(
        f"/api/v1/work-orders/{NUMBER}", json={"department": "HOUSING", "reason": "核对"}
    )
    assert again.status_code == 200 and again.json["withdrawn"] is None
    session.rollback()
    kinds = session.exec(select(AuditEvent.kind)).all()
    assert MOVED not in kinds


def test_a_decided_appeal_keeps_its_work_order(api, session, pool, rules, now):
    factories.DepartmentFactory(code="EDU")
    session.commit()
    reference = api.post("/api/v1/appeals", json=payload(work_order_no=NUMBER)).json["reference"]
    appeal = session.exec(select(Appeal).where(Appeal.reference == reference)).one()
    for seat in seated(session=session, appeal_id=appeal.id)[:3]:
        lifecycle.record_vote(session=session, assignment=seat, vote="agree",
                              opinion="材料齐全,处置得当。", rules=rules, now=now)  # fmt: skip
    session.commit()
    response = api.put(
        f"/api/v1/work-orders/{NUMBER}", json={"department": "EDU", "reason": "改派"}
    )
    assert response.status_code == 409 and response.json["reason"] == "work_order_decided"
    assert _work_order(session, NUMBER).department_id == appeal.department_id


@pytest.mark.parametrize(
    ("number", "body", "errors"),
    [
        ("ХN20261201000777", {"department": "HOUSING", "reason": "更正"},
         {"work_order_no": "work_order_format"}),
        (NUMBER, {"department": "NOPE", "reason": "更正"}, {"department": "unknown_department"}),
        (NUMBER, {"department": "HOUSING"}, {"reason": "required"}),
        (NUMBER, {"department": "HOUSING", "reason": "  "}, {"reason": "required"}),
        (NUMBER, {"department": 7, "reason": 7},
         {"department": "required", "reason": "not_a_string"}),
        (NUMBER, {"department": "HOUSING", "reason": "长" * 501}, {"reason": "too_long"}),
        (NUMBER, {"department": "HOU\u0000SING", "reason": "更\u0000正"},
         {"department": "null_character", "reason": "null_character"}),
    ],
)  # fmt: skip
def test_a_move_names_each_invalid_field(api, department, number, body, errors):
    response = api.put(f"/api/v1/work-orders/{number}", json=body)
    assert response.status_code == 422
    assert response.json["errors"] == errors


def test_a_move_of_an_unknown_work_order_registers_it(api, session, department):
    response = api.put(
        f"/api/v1/work-orders/{NUMBER}", json={"department": "HOUSING", "reason": "预先登记"}
    )
    assert response.status_code == 200
    assert _work_order(session, NUMBER).source == "hotline"


def test_the_hotline_saying_so_confirms_a_departments_claim(
    api, department_client, session, pool, form_token
):
    _file(department_client, form_token)
    appeal = session.exec(select(Appeal)).one()
    lifecycle.withdraw_appeal(session=session, appeal=appeal, reason="补充材料后重报",
                              actor="staff:test", now=appeal.submitted_at)  # fmt: skip
    session.commit()
    assert api.post("/api/v1/appeals", json=payload(work_order_no=NUMBER)).status_code == 201
    assert _work_order(session, NUMBER).source == "hotline"


def test_staff_picking_the_wrong_department_are_told_the_right_one(
    staff_client, api, session, pool, form_token
):
    factories.DepartmentFactory(code="EDU", name="市教育局")
    session.commit()
    api.post("/api/v1/appeals", json=payload(work_order_no=NUMBER))
    url = "/staff/appeals/new"
    response = staff_client.post(
        url, data=form_data(form_token(staff_client, url), work_order_no=NUMBER, department="EDU")
    )
    assert response.status_code == 422
    assert "该工单登记在部门HOUSING名下" in response.get_data(as_text=True)


def test_the_audit_viewer_words_a_move(api, admin_client, edu_client, session, form_token):
    factories.PanelistFactory.create_batch(20)
    session.commit()
    _file(edu_client, form_token, department="EDU")
    api.put(f"/api/v1/work-orders/{NUMBER}", json={"department": "HOUSING", "reason": "改派"})
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "工单所属部门已更正" in page and NUMBER in page
    assert "原责任单位：EDU" in page and "因更正撤回的申诉：AP-" in page
