"""The fairness report tells a fair draw history from a rigged one."""

from __future__ import annotations

import hashlib

import pytest

from panel_service.panel.draw import select_panel
from panel_service.panel.fairness import (
    DrawRecord,
    chances,
    chi_square_p_value,
    draw_records,
    fairness_report,
)


def synthetic_pool(n: int, government: int) -> tuple[tuple[int, str], ...]:
    """A pool of ``n`` with the first ``government`` members government staff."""
    return tuple((pid, "government" if pid <= government else "cppcc") for pid in range(1, n + 1))


def _seeds(n, label=b"fair"):
    return (hashlib.sha256(label + i.to_bytes(8, "big")).digest() for i in range(n))


def fair_history(n, pool):
    for seed in _seeds(n):
        picked = select_panel(seed, pool, size=5, government_quota=2).picked
        yield DrawRecord(pool=tuple(pool), picked=tuple(picked), size=5, government_quota=2)


def rigged_history(n, pool, favourites=(3, 17)):
    """Same pools, but two favourites get a seat in every draw."""
    for record in fair_history(n, pool):
        picked = [p for p in record.picked if p not in favourites][: 5 - len(favourites)]
        yield DrawRecord(record.pool, (*favourites, *picked), 5, 2)


@pytest.mark.parametrize("government", [0, 2, 12])
def test_chances_sum_to_the_panel_size(government):
    record = DrawRecord(synthetic_pool(30, government), (), 5, 2)
    assert sum(chances(record).values()) == pytest.approx(5)


def test_chances_are_equal_when_the_quota_cannot_bind():
    record = DrawRecord(synthetic_pool(25, 2), (), 5, 2)
    assert set(round(p, 12) for p in chances(record).values()) == {0.2}


def test_a_binding_quota_lowers_government_chances():
    p = chances(DrawRecord(synthetic_pool(20, 12), (), 5, 2))
    assert p[1] < 5 / 20 < p[20]


@pytest.mark.parametrize("government", [2, 12])
def test_a_fair_history_is_called_fair(government):
    report = fairness_report(fair_history(600, synthetic_pool(30, government)))
    assert report.draws == 600 and report.verdict == "fair", report.p_value
    assert sum(r.drawn for r in report.rows) == 3000


@pytest.mark.parametrize("government", [2, 12])
def test_a_rigged_history_is_called_unfair(government):
    report = fairness_report(rigged_history(600, synthetic_pool(30, government)))
    assert report.verdict == "unfair"
    flagged = {r.panelist_id for r in report.rows if r.z > 4}
    assert flagged == {3, 17}


def test_too_few_draws_give_no_verdict():
    assert fairness_report(fair_history(3, synthetic_pool(30, 2))).verdict == "too_few"


@pytest.mark.parametrize(
    ("x", "df", "p"), [(29.34, 29, 0.45), (49.59, 29, 0.01), (58.3, 29, 0.001)]
)
def test_p_value_matches_chi_square_tables(x, df, p):
    assert chi_square_p_value(x, df) == pytest.approx(p, rel=0.1)


def test_draw_records_come_from_the_audit(session, appeal):
    ((appeal_id, record),) = draw_records(
        session=session, start=appeal.submitted_at, end=appeal.deadline
    )
    assert appeal_id == appeal.id and len(record.picked) == 5 and len(record.pool) == 20
