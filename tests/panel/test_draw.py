"""The draw: eligibility, quota, fairness, the published algorithm, too-small pools."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, func, select

from panel_service.appeals.submission import create_appeal
from panel_service.enums import AuditKind, PanelistCategory
from panel_service.models import Appeal, Assignment, AuditEvent, Panelist
from panel_service.panel.draw import (
    NotEnoughPanelists,
    candidate_order,
    next_substitute,
    select_panel,
)
from panel_service.panel.fairness import DrawRecord, chances
from panel_service.panel.seating import eligible_panelists, ineligibility

from .. import factories


def reference_order(seed: bytes, pool: list[int]) -> list[int]:
    """The README's algorithm, written again from its text alone."""
    remaining, out, i = sorted(pool), [], 0
    while remaining:
        k = int(hashlib.sha256(seed + i.to_bytes(4, "big")).hexdigest(), 16) % len(remaining)
        out.append(remaining.pop(k))
        i += 1
    return out


def seeds(n: int, label: bytes = b"t"):
    """Deterministic, well-spread seeds so the statistical tests are repeatable."""
    return (hashlib.sha256(label + i.to_bytes(8, "big")).digest() for i in range(n))


@pytest.mark.parametrize("pool", [[1], [3, 1, 2], list(range(1, 36)), [7, 42, 99, 1000, 5]])
def test_candidate_order_follows_the_published_algorithm(pool):
    for seed in seeds(50):
        assert list(candidate_order(seed, pool)) == reference_order(seed, pool)


def test_candidate_order_is_a_permutation_of_the_pool():
    order = list(candidate_order(bytes(32), range(1, 36)))
    assert sorted(order) == list(range(1, 36))


def test_eligibility_excludes_each_kind_of_ineligible_panelist(session, department, now):
    ok = factories.PanelistFactory()
    excluded = [
        factories.PanelistFactory(active=False),
        factories.PanelistFactory(term_end=date(2025, 9, 1)),
        factories.PanelistFactory(term_start=date(2025, 10, 1)),
        factories.PanelistFactory(pledge_signed_on=None),
        factories.PanelistFactory(pledge_signed_on=date(2025, 12, 1)),
        factories.PanelistFactory(mobile_failing_since=now),
        factories.PanelistFactory(category="government", affiliation_id=department.id),
    ]
    other_unit = factories.PanelistFactory(category="government", affiliation_id=None)
    session.flush()
    ids = [p.id for p in eligible_panelists(session=session, department_id=department.id, on=now)]
    assert ids == sorted([ok.id, other_unit.id])
    assert not {p.id for p in excluded} & set(ids)


# 07:30 on 1 October in Beijing, which is still 30 September in UTC.
BEIJING_0730_1_OCTOBER = datetime(2025, 9, 30, 23, 30, tzinfo=UTC)


def _eligible_ids(session, department, on):
    return {p.id for p in eligible_panelists(session=session, department_id=department.id, on=on)}


def test_a_term_ended_30_september_is_over_at_0730_beijing_on_1_october(session, department):
    ended = factories.PanelistFactory(term_end=date(2025, 9, 30))
    session.flush()
    assert ended.id not in _eligible_ids(session, department, BEIJING_0730_1_OCTOBER)
    reason = ineligibility(ended, department_id=department.id, on=BEIJING_0730_1_OCTOBER)
    assert reason == "out_of_term"


def test_a_term_starting_1_october_is_open_at_0730_beijing_that_day(session, department):
    starting = factories.PanelistFactory(term_start=date(2025, 10, 1))
    session.flush()
    assert starting.id in _eligible_ids(session, department, BEIJING_0730_1_OCTOBER)
    assert ineligibility(starting, department_id=department.id, on=BEIJING_0730_1_OCTOBER) is None


def test_a_pledge_signed_1_october_counts_at_0730_beijing_that_day(session, department):
    pledged = factories.PanelistFactory(pledge_signed_on=date(2025, 10, 1))
    session.flush()
    assert pledged.id in _eligible_ids(session, department, BEIJING_0730_1_OCTOBER)
    assert ineligibility(pledged, department_id=department.id, on=BEIJING_0730_1_OCTOBER) is None


def test_quota_limits_government_seats(session, department, rules, now):
    factories.PanelistFactory.create_batch(10, category="government")
    factories.PanelistFactory.create_batch(3)
    session.commit()
    for _ in range(30):
        appeal = create_appeal(
            session=session,
            data=factories.appeal_input(),
            submitted_by="t",
            rules=rules,
            now=now,
        )
        categories = [
            session.get(Panelist, a.panelist_id).category
            for a in session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id))
        ]
        assert len(categories) == 5
        assert categories.count(PanelistCategory.GOVERNMENT) == 2
    session.rollback()


def _chi_square_critical(df: int, z: float = 4.75) -> float:
    """Wilson-Hilferty upper quantile of chi-square; z=4.75 is p about 1e-6."""
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


def test_every_eligible_panelist_has_the_same_chance_when_the_quota_cannot_bind():
    pool = [(pid, "cppcc" if pid % 3 else "government") for pid in range(1, 31)]
    pool = [(pid, "cppcc") if cat == "government" and pid > 6 else (pid, cat) for pid, cat in pool]
    assert sum(cat == "government" for _, cat in pool) == 2  # at most 2: quota never binds
    draws = 12000
    counts = Counter()
    for seed in seeds(draws):
        counts.update(select_panel(seed, pool, size=5, government_quota=2).picked)
    expected = draws * 5 / len(pool)
    chi2 = sum((counts[pid] - expected) ** 2 / expected for pid, _ in pool)
    assert chi2 < _chi_square_critical(len(pool) - 1)
    # The bound can fail: a draw that favours the lowest ids is caught.
    biased = Counter()
    for seed in seeds(draws):
        picked = select_panel(seed, pool, size=5, government_quota=2).picked
        biased.update(picked[:4] + [1])
    chi2_biased = sum((biased[pid] - expected) ** 2 / expected for pid, _ in pool)
    assert chi2_biased > _chi_square_critical(len(pool) - 1)


def test_binding_quota_shifts_chances_as_expected():
    """Simulated draws against the exact chances the fairness report computes."""
    government = 12
    pool = [(pid, "government" if pid <= government else "media") for pid in range(1, 21)]
    draws = 12000
    counts = Counter()
    for seed in seeds(draws, b"quota"):
        counts.update(select_panel(seed, pool, size=5, government_quota=2).picked)
    expected = chances(DrawRecord(tuple(pool), (), 5, 2))
    # Without the quota everyone would have 5/20 = 0.25; the quota moves seats to the others.
    assert expected[1] < 0.25 < expected[20]
    for pid, _category in pool:
        p = expected[pid]
        sd = math.sqrt(draws * p * (1 - p))
        assert abs(counts[pid] - draws * p) < 5 * sd, (pid, counts[pid], draws * p)


def test_pool_too_small_raises_and_stores_nothing(session, department, rules, now):
    factories.PanelistFactory.create_batch(2)
    factories.PanelistFactory.create_batch(3, category="government")  # quota seats only 2
    session.commit()
    with pytest.raises(NotEnoughPanelists) as info:
        create_appeal(
            session=session, data=factories.appeal_input(), submitted_by="t", rules=rules, now=now
        )
    session.rollback()
    assert (info.value.available, info.value.needed) == (4, 5)
    for model in (Appeal, Assignment):
        assert session.exec(select(func.count()).select_from(model)).one() == 0
    about_appeals = select(func.count()).select_from(AuditEvent).where(
        col(AuditEvent.appeal_id).is_not(None)
    )
    assert session.exec(about_appeals).one() == 0


def test_draw_audit_event_holds_seed_and_sorted_pool(session, appeal):
    event = session.exec(select(AuditEvent).where(AuditEvent.kind == AuditKind.PANEL_DRAWN)).one()
    assert f'"seed":"{appeal.draw_seed}"' in event.data
    pool_ids = [int(x) for x in appeal.draw_pool.split(",")]
    assert pool_ids == sorted(pool_ids) and len(pool_ids) == 20


def test_next_substitute_skips_those_who_became_ineligible(session, appeal, rules, now):
    order = list(candidate_order(bytes.fromhex(appeal.draw_seed), appeal.draw_pool_ids))
    upcoming = order[appeal.draw_position :]
    session.get(Panelist, upcoming[0]).active = False
    session.flush()
    seats = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).all()
    walk = next_substitute(
        session=session, appeal=appeal, seats=seats, rules=rules, now=now + timedelta(hours=1)
    )
    assert walk.skipped[0] == (upcoming[0], "inactive")
    assert walk.substitute.id == upcoming[len(walk.skipped)]
    assert (walk.start, walk.end) == (appeal.draw_position, walk.start + len(walk.skipped) + 1)
    session.rollback()
