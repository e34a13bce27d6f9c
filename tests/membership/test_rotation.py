"""Rotation: terms ending, poor responders, balance, small pools, and the rotation step."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from panel_service.enums import AssignmentState, PanelistCategory
from panel_service.membership.health import PanelistHealth
from panel_service.membership.rotation import (
    category_balance,
    pool_warnings,
    poor_responders,
    rotate,
    terms_ending,
    under_represented,
)
from panel_service.models import Assignment, Panelist
from panel_service.refusals import Refused

from .. import factories


def test_terms_ending_within_sixty_days(session, now):
    soon = factories.PanelistFactory(term_end=date(2025, 11, 1))
    factories.PanelistFactory(term_end=date(2026, 1, 1))
    factories.PanelistFactory(term_end=date(2025, 10, 1), active=False)
    session.flush()
    assert terms_ending(session=session, now=now) == [soon]


def test_terms_ending_counts_sixty_beijing_days_from_the_local_today(session):
    at = datetime(2025, 9, 30, 23, 30, tzinfo=UTC)  # 07:30 on 1 October in Beijing
    last_day = factories.PanelistFactory(term_end=date(2025, 11, 30))  # 1 October + 60 days
    factories.PanelistFactory(term_end=date(2025, 12, 1))
    session.flush()
    assert terms_ending(session=session, now=at) == [last_day]


@pytest.mark.parametrize(
    ("figures", "reasons"),
    [
        ({"no_shows": 2, "votes": 5}, ["no_shows"]),
        ({"no_shows": 2, "votes": 1}, ["no_shows", "low_response"]),
        ({"votes": 4, "median_hours_to_vote": 60.0}, ["slow"]),
        ({"recusals": 3, "votes": 2}, ["recusals"]),
        ({"votes": 6, "median_hours_to_vote": 5.0}, []),
    ],
)
def test_poor_responders_are_named_with_reasons(figures, reasons):
    row = PanelistHealth(Panelist(name="x"), **figures)
    found = poor_responders([row])
    assert (found[0][1] if found else []) == reasons


def test_balance_and_under_represented_categories(session):
    factories.PanelistFactory.create_batch(3, category="cppcc")
    factories.PanelistFactory.create_batch(1, category="media")
    session.flush()
    balance = category_balance(session=session)
    assert balance[PanelistCategory.CPPCC] == 3 and balance[PanelistCategory.GOVERNMENT] == 0
    assert under_represented(balance) == ["media", "enterprise", "government"]


def test_small_pools_are_warned_about_per_department(session, department, rules, now):
    other = factories.DepartmentFactory(code="EDU")
    factories.PanelistFactory.create_batch(8)
    factories.PanelistFactory.create_batch(3, category="government", affiliation_id=other.id)
    session.flush()
    warnings = {
        w.department.code: (w.eligible, w.seatable)
        for w in pool_warnings(session=session, rules=rules, now=now)
    }
    # HOUSING sees 11 eligible but the quota seats only 8 + 2; EDU loses its own three.
    assert warnings == {"EDU": (8, 8)}
    factories.PanelistFactory.create_batch(1, category="government", affiliation_id=department.id)
    session.flush()
    assert "HOUSING" not in {
        w.department.code for w in pool_warnings(session=session, rules=rules, now=now)
    }


def test_rotation_retires_and_activates_in_one_step(session, appeal, rules, now):
    seated = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).first()
    newcomer = factories.PanelistFactory(active=False)
    session.commit()
    replacements = rotate(
        session=session,
        retire_ids=[seated.panelist_id],
        activate_ids=[newcomer.id],
        actor="admin",
        rules=rules,
        now=now,
    )
    session.commit()
    assert not session.get(Panelist, seated.panelist_id).active
    assert session.get(Panelist, newcomer.id).active
    assert session.get(Assignment, seated.id).state == AssignmentState.REPLACED
    assert len(replacements) == 1 and replacements[0].substitute.appeal_id == appeal.id


@pytest.mark.parametrize(
    ("retire", "activate", "code"),
    [
        ([1], [1], "retire_and_activate"),
        ([999], [], "unknown_panelist"),
        ([], [2], "already_active"),
    ],
)
def test_invalid_rotations_change_nothing(session, pool, rules, now, retire, activate, code):
    with pytest.raises(Refused) as refused:
        rotate(
            session=session,
            retire_ids=retire,
            activate_ids=activate,
            actor="a",
            rules=rules,
            now=now,
        )
    assert refused.value.code == code
    session.rollback()
    assert all(p.active for p in session.exec(select(Panelist)))
