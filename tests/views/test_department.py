"""A department sees its own appeals' outcomes, and nothing of anyone else's."""

from __future__ import annotations

from sqlmodel import select

from panel_service.appeals.submission import create_appeal
from panel_service.models import Appeal, Panelist
from panel_service.panel import lifecycle
from panel_service.panel.seating import seated

from .. import factories
from .test_staff import form_data


def _other_departments_appeal(session, rules, now):
    factories.DepartmentFactory(code="EDU", name="市教育局")
    session.commit()
    appeal = create_appeal(
        session=session, data=factories.appeal_input(department="EDU"),
        submitted_by="staff:test", rules=rules, now=now,
    )  # fmt: skip
    session.commit()
    return appeal


def _decide(session, appeal, rules, now, choices=("agree", "agree", "disagree", "agree")):
    for seat, choice in zip(seated(session=session, appeal_id=appeal.id), choices, strict=False):
        lifecycle.record_vote(
            session=session,
            assignment=seat,
            vote=choice,
            opinion=f"第{seat.id}号意见:处置{choice}。",
            rules=rules,
            now=now,
        )
    session.commit()


def test_the_list_shows_only_the_departments_own_appeals(
    department_client, session, appeal, rules, now
):
    other = _other_departments_appeal(session, rules, now)
    html = department_client.get("/department/appeals").get_data(as_text=True)
    assert appeal.reference in html and other.reference not in html
    # The department filter of the staff list does not widen a department's view.
    html = department_client.get("/department/appeals?department=EDU").get_data(as_text=True)
    assert other.reference not in html


def test_another_departments_appeal_is_404(department_client, session, appeal, rules, now):
    other = _other_departments_appeal(session, rules, now)
    assert department_client.get(f"/department/appeals/{other.reference}").status_code == 404
    assert department_client.get(f"/department/appeals/{appeal.reference}").status_code == 200
    assert department_client.get("/department/appeals/AP-2025-999999").status_code == 404


def test_a_decided_appeal_shows_tally_time_and_opinions_without_identities(
    department_client, session, appeal, rules, now
):
    names = [session.get(Panelist, s.panelist_id).name
             for s in seated(session=session, appeal_id=appeal.id)]  # fmt: skip
    open_page = department_client.get(f"/department/appeals/{appeal.reference}").text
    assert "评议中" in open_page and "评价员意见" not in open_page
    _decide(session, appeal, rules, now)
    listing = department_client.get("/department/appeals").get_data(as_text=True)
    assert "有效申诉" in listing and "3:1" in listing and "2025年9月24日（周三）10:00" in listing
    page = department_client.get(f"/department/appeals/{appeal.reference}").get_data(as_text=True)
    assert "3:1" in page and "评价员意见" in page and "处置disagree" in page
    assert not any(name in page for name in names)
    assert "staff:test" not in page


def test_a_department_submits_for_its_own_department_only(
    department_client, session, pool, form_token, rules, now
):
    factories.DepartmentFactory(code="EDU", name="市教育局")
    session.commit()
    page = department_client.get("/department/appeals/new").get_data(as_text=True)
    assert "HOUSING" in page and "EDU" not in page
    token = form_token(department_client, "/department/appeals/new")
    other = department_client.post(
        "/department/appeals/new", data=form_data(token, department="EDU")
    )
    assert other.status_code == 422
    session.rollback()
    assert session.exec(select(Appeal)).first() is None
    own = department_client.post("/department/appeals/new", data=form_data(token))
    assert own.status_code == 303
    session.rollback()
    appeal = session.exec(select(Appeal)).one()
    assert appeal.submitted_by == "department:housing-test"
    assert own.headers["Location"].endswith(f"/department/appeals/{appeal.reference}")


def test_department_pages_refuse_staff_and_staff_pages_refuse_departments(
    department_client, staff_client, appeal
):
    assert department_client.get("/staff/appeals").status_code == 403
    assert department_client.get(f"/staff/appeals/{appeal.reference}").status_code == 403
    assert staff_client.get("/department/appeals").status_code == 403
