"""factory-boy factories with realistic defaults: Chinese names, +86 mobiles, work orders."""

from __future__ import annotations

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from panel_service.appeals.submission import AppealInput
from panel_service.enums import PanelistCategory
from panel_service.models import Department, Panelist

_session = None


def bind(session) -> None:
    """Point every factory at the test's session."""
    global _session
    _session = session


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: _session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class DepartmentFactory(_Base):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"DEPT{n:03d}")
    name = factory.Sequence(lambda n: f"市第{n}局")


class PanelistFactory(_Base):
    class Meta:
        model = Panelist

    name = factory.Faker("name", locale="zh_CN")
    mobile = factory.Sequence(lambda n: f"+86138{n:08d}")
    category = factory.Iterator(
        [PanelistCategory.CPPCC, PanelistCategory.MEDIA, PanelistCategory.ENTERPRISE]
    )
    affiliation_id = None
    pledge_signed_on = date(2025, 5, 29)
    active = True
    term_start = date(2025, 5, 29)
    term_end = date(2028, 5, 28)


_work_orders = iter(range(1, 10**9))


def appeal_input(**overrides) -> AppealInput:
    """A plausible appeal; each call gets a new work-order number."""
    values = dict(
        work_order_no=f"XN2025{next(_work_orders):010d}",
        department="HOUSING",
        citizen_request="小区路灯损坏两个月无人维修,夜间出行不便,联系电话13907151234。",
        department_reply="已于9月20日更换路灯12盏,现场照明恢复正常。",
        appeal_reason="已按时办结并恢复照明,市民因其他诉求评价不满意。",
        policy_basis="《城市照明管理规定》第二十一条。",
        repeat_calls=3,
    )
    values.update(overrides)
    return AppealInput(**values)
