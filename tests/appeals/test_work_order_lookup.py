"""A submission's work-order look-ups use an index, so they do not grow with the past.

``live_appeal_for`` and the withdrawn-predecessor look-up ask by work order; the partial
unique index (status != 'withdrawn') serves neither, and without ``ix_appeal_work_order_no``
each one scanned every appeal ever filed (BENCHMARKS.md, "growth").
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from panel_service.appeals.submission import APPEALS_OF, LIVE_APPEAL_STATUSES
from panel_service.enums import AppealStatus
from panel_service.models import Appeal

QUERIES = {
    "live": select(Appeal).where(
        Appeal.work_order_no == "XN1", col(Appeal.status).in_(LIVE_APPEAL_STATUSES)
    ),
    "withdrawn predecessor": select(Appeal)
    .where(Appeal.work_order_no == "XN1", Appeal.status == AppealStatus.WITHDRAWN)
    .order_by(col(Appeal.id).desc()),
    # What a submission asks now: both at once.
    "every appeal of the work order": APPEALS_OF.params(number="XN1"),
}


@pytest.mark.parametrize("name", QUERIES)
def test_work_order_lookups_use_the_index(session, name):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans a sequential scan of a near-empty table either way")
    sql = QUERIES[name].compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")).all()
    session.commit()
    assert any("ix_appeal_work_order_no" in str(row) for row in plan), plan
