"""Every pair of write paths that can meet on one appeal, forced to meet (PostgreSQL).

Each pair runs in four interleavings: either path first, and the other one either
committing between the first one's read and its lock ("before") or arriving while the
first one holds the appeal ("during"). After each, nothing deadlocked, nobody got a 5xx,
and the panel keeps every rule (tests/concurrency.py: seats, quota, conflicts, exactly one
decision or stall, the audit chains and the replay).
"""

from __future__ import annotations

import itertools

import pytest

from panel_service.enums import AppealStatus, PanelistCategory
from panel_service.models import Panelist

from ..concurrency import Interleave, assert_panel_rules_hold
from ..lifecycle_scene import Scene

pytestmark = pytest.mark.postgres


@pytest.fixture
def scene(engine, app, session, appeal, make_link, make_user, sign_in):
    if engine.dialect.name != "postgresql":
        pytest.skip("two transactions interleave row by row only on PostgreSQL")
    return Scene(
        app=app, session=session, appeal=appeal, make_link=make_link, make_user=make_user,
        sign_in=sign_in,
    )  # fmt: skip


def _civilian(scene, seats, skip=()):
    return next(
        s for s in seats
        if s.id not in skip
        and scene.fresh(Panelist, s.panelist_id).category != PanelistCategory.GOVERNMENT
    )  # fmt: skip


# Each pair prepares its two requests on a fresh appeal and returns them.


def vote_vote(scene, make_worker):
    seats = scene.seats()
    for seat in seats[:2]:
        scene.vote(seat)()
    return scene.vote(seats[2]), scene.vote(seats[3], "disagree")


def vote_recusal(scene, make_worker):
    seats = scene.seats()
    return scene.vote(seats[0]), scene.recuse(seats[1])


def vote_suspend(scene, make_worker):
    seats = scene.seats()
    return scene.vote(seats[0]), scene.membership(seats[1].panelist_id, "suspend")


def vote_suspend_same_member(scene, make_worker):
    seats = scene.seats()
    return scene.vote(seats[0]), scene.membership(seats[0].panelist_id, "suspend")


def vote_receipt(scene, make_worker):
    seats = scene.seats()
    return scene.vote(seats[0]), scene.failed_receipt(seats[1])


def vote_receipt_same_seat(scene, make_worker):
    seats = scene.seats()
    return scene.vote(seats[0]), scene.failed_receipt(seats[0])


def recusal_receipt(scene, make_worker):
    seats = scene.seats()
    return scene.recuse(seats[0]), scene.failed_receipt(seats[1])


def recusal_receipt_same_seat(scene, make_worker):
    seats = scene.seats()
    return scene.recuse(seats[0]), scene.failed_receipt(seats[0])


def vote_withdraw(scene, make_worker):
    seats = scene.seats()
    for seat in seats[:2]:
        scene.vote(seat)()
    return scene.vote(seats[2]), scene.withdraw()


def vote_sweep(scene, make_worker):
    seats = scene.seats()
    for seat in seats[:2]:
        scene.vote(seat)()
    deciding = scene.vote(seats[2])
    scene.expire(seats[4])
    return deciding, scene.sweep(make_worker(engine=scene.engine))


def rotation_vote(scene, make_worker):
    seats = scene.seats()
    return scene.rotate(seats[1].panelist_id), scene.vote(seats[0])


def rotation_vote_same_member(scene, make_worker):
    seats = scene.seats()
    return scene.rotate(seats[0].panelist_id), scene.vote(seats[0])


def edit_conflict_vote_same_member(scene, make_worker):
    seat = _civilian(scene, scene.seats())
    vote = scene.vote(seat)
    return scene.edit(seat.panelist_id, affiliation="HOUSING"), vote


def edit_government_vote(scene, make_worker):
    seats = scene.seats()
    voter = _civilian(scene, seats)
    edited = _civilian(scene, seats, skip={voter.id})
    return scene.edit(edited.panelist_id, category="government"), scene.vote(voter)


PAIRS = [
    vote_vote, vote_recusal, vote_suspend, vote_suspend_same_member, vote_receipt,
    vote_receipt_same_seat, recusal_receipt, recusal_receipt_same_seat, vote_withdraw,
    vote_sweep, rotation_vote, rotation_vote_same_member, edit_conflict_vote_same_member,
    edit_government_vote,
]  # fmt: skip


def _status(result) -> int:
    return getattr(result, "status_code", 200)


@pytest.mark.parametrize(
    ("pair", "first", "mode"),
    list(itertools.product(PAIRS, ("a", "b"), ("before", "during"))),
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_two_write_paths_on_one_appeal(scene, rules, make_worker, pair, first, mode):
    a, b = pair(scene, make_worker)
    mine, other = (a, b) if first == "a" else (b, a)
    with Interleave(scene.engine, other, mode=mode, patience=0.4) as step:
        result = mine()
    assert _status(result) < 500, result.get_data(as_text=True)[:300]
    assert _status(step.outcome()) < 500
    assert_panel_rules_hold(
        scene.session, scene.appeal.id, quota=rules.government_quota, size=rules.panel_size
    )
    if pair in (vote_vote, vote_sweep):
        assert scene.appeal_row().status == AppealStatus.DECIDED
    if pair is vote_withdraw:
        assert scene.appeal_row().status in (AppealStatus.DECIDED, AppealStatus.WITHDRAWN)


def test_votes_on_different_appeals_never_wait_for_each_other(scene, session, rules, now):
    """A vote holds its appeal and its chain; a vote on another appeal goes through."""
    import time

    from sqlmodel import select

    from panel_service.appeals.submission import create_appeal
    from panel_service.models import Assignment

    from .. import factories

    other = create_appeal(
        session=session, data=factories.appeal_input(), submitted_by="t", rules=rules, now=now
    )
    session.commit()
    elsewhere = session.exec(select(Assignment).where(Assignment.appeal_id == other.id)).first()
    mine, theirs = scene.vote(scene.seats()[0]), scene.vote(elsewhere)
    finished = {}

    def vote_elsewhere():
        response = theirs()
        finished["elsewhere"] = time.monotonic()
        return response

    def appends_audit(statement: str) -> bool:
        return statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT")

    with Interleave(
        scene.engine, vote_elsewhere, mode="during", when=appends_audit, patience=1.5
    ) as step:
        assert mine().status_code == 303
        finished["mine"] = time.monotonic()
    assert step.outcome().status_code == 303
    # The other appeal's vote finished while this one still held its appeal and chain.
    assert finished["elsewhere"] < finished["mine"]
