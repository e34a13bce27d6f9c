"""A work order's department: claimed once, checked on every appeal, moved by the hotline."""

from __future__ import annotations

import pytest

from panel_service.appeals import ownership
from panel_service.enums import AppealStatus, WorkOrderSource
from panel_service.refusals import Invalid

from .. import factories

NUMBER = "XN20261201000777"


def _claim(session, department, source, now):
    return ownership.claim(session=session, number=NUMBER, department=department,
                           source=source, actor="test", now=now)  # fmt: skip


def test_the_first_claim_holds_and_another_department_is_refused(session, department, now):
    other = factories.DepartmentFactory(code="EDU")
    first = _claim(session, department, WorkOrderSource.DEPARTMENT, now)
    assert _claim(session, department, WorkOrderSource.DEPARTMENT, now) is first
    for source in WorkOrderSource:
        with pytest.raises(ownership.WorkOrderElsewhere) as refused:
            _claim(session, other, source, now)
        assert refused.value.department == "HOUSING"


def test_a_move_needs_a_reason(session, department, now):
    with pytest.raises(Invalid) as invalid:
        ownership.move(session=session, number=NUMBER, department=department, reason=" ",
                       actor="api:test", now=now)  # fmt: skip
    assert set(invalid.value.errors) == {"reason"}


def test_a_move_withdraws_only_the_other_departments_live_appeal(session, appeal, now):
    other = factories.DepartmentFactory(code="EDU")
    withdrawn = ownership.move(session=session, number=appeal.work_order_no, department=other,
                               reason="改派教育局", actor="api:test", now=now)  # fmt: skip
    assert withdrawn is appeal and appeal.status == AppealStatus.WITHDRAWN
    assert appeal.withdrawn_reason == "改派教育局"
    back = ownership.move(session=session, number=appeal.work_order_no, department=other,
                          reason="改派教育局", actor="api:test", now=now)  # fmt: skip
    assert back is None
