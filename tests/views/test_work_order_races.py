"""Two departments' first appeals for one work order, at the same moment (PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from panel_service.models import Appeal

from .. import factories
from ..concurrency import Interleave
from .test_staff import form_data

pytestmark = pytest.mark.postgres
NUMBER = "XN20261201000777"
NEW = "/department/appeals/new"


def _claims(statement: str) -> bool:
    return statement.lstrip().upper().startswith("INSERT INTO WORK_ORDER")


@pytest.mark.parametrize("mode", ["before", "during"])
def test_one_of_two_departments_racing_for_a_work_order_gets_it(
    app, engine, session, pool, department, make_user, sign_in, form_token, mode
):
    if engine.dialect.name != "postgresql":
        pytest.skip("two transactions interleave row by row only on PostgreSQL")
    factories.DepartmentFactory(code="EDU", name="市教育局")
    session.commit()
    housing = sign_in(app.test_client(), make_user("housing-race", "department", "HOUSING"))
    edu = sign_in(app.test_client(), make_user("edu-race", "department", "EDU"))
    housing_form = form_data(form_token(housing, NEW), work_order_no=NUMBER)
    edu_form = form_data(form_token(edu, NEW), work_order_no="ｘｎ２０２６１２０１０００７７７",
                         department="EDU")  # fmt: skip

    def other():
        return edu.post(NEW, data=edu_form)

    with Interleave(app.extensions["panel_engine"], other, mode=mode, when=_claims,
                    patience=0.6) as step:  # fmt: skip
        mine = housing.post(NEW, data=housing_form)
    theirs = step.outcome()
    assert sorted([mine.status_code, theirs.status_code]) == [303, 422]
    loser = theirs if theirs.status_code == 422 else mine
    assert "该工单未登记在本部门名下" in loser.get_data(as_text=True)
    session.rollback()
    assert session.exec(select(func.count()).select_from(Appeal)).one() == 1
