"""The appeal and seat lifecycle: each defect the review reproduced, and every pair of write
paths that can meet on one appeal, forced into the interleavings that broke it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from panel_service.appeals.submission import create_appeal
from panel_service.enums import (
    AppealStatus,
    AssignmentState,
    AuditKind,
    OutboxStatus,
    PanelistCategory,
)
from panel_service.models import Assignment, OutboxMessage, Panelist

from .. import factories
from ..concurrency import Interleave, assert_panel_rules_hold, events, webhook_events
from ..lifecycle_scene import Scene

needs_postgres = pytest.mark.postgres


@pytest.fixture
def scene(app, session, appeal, make_link, make_user, sign_in):
    return Scene(
        app=app, session=session, appeal=appeal, make_link=make_link, make_user=make_user,
        sign_in=sign_in,
    )  # fmt: skip


@pytest.fixture
def small_appeal(session, department, rules, now):
    """An appeal drawn from a pool of six: one spare candidate beyond the panel."""
    factories.PanelistFactory.create_batch(6)
    session.commit()
    appeal = create_appeal(
        session=session,
        data=factories.appeal_input(department=department.code),
        submitted_by="staff:test",
        rules=rules,
        now=now,
    )
    session.commit()
    return appeal


@pytest.fixture
def small_scene(app, session, small_appeal, make_link, make_user, sign_in):
    return Scene(
        app=app, session=session, appeal=small_appeal, make_link=make_link,
        make_user=make_user, sign_in=sign_in,
    )  # fmt: skip


@pytest.fixture
def postgres_only(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("two transactions interleave row by row only on PostgreSQL")


def ok(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]


def check(scene: Scene, rules) -> None:
    assert_panel_rules_hold(
        scene.session, scene.appeal.id, quota=rules.government_quota, size=rules.panel_size
    )


# -- 1. stale rows after a lock --------------------------------------------------------------


@needs_postgres
def test_a_receipt_never_acts_on_the_appeal_it_read_before_a_recusal_stalled_it(
    postgres_only, small_scene, rules
):
    """t_stale: the recusal takes the last spare and stalls the appeal while the receipt for
    a bad number is under way; the receipt must see the stall, not stall it a second time."""
    scene = small_scene
    seats = scene.seats()
    ok(scene.recuse(seats[0])())  # the only spare candidate is now seated
    recusal = scene.recuse(seats[1])
    scene.number_already_failing(seats[2])
    receipt = scene.failed_receipt(seats[2])
    with Interleave(scene.engine, recusal, mode="before") as step:
        ok(receipt())
    ok(step.outcome())
    assert scene.appeal_row().status == AppealStatus.STALLED
    assert len(events(scene.session, scene.appeal.id, AuditKind.STALLED)) == 1
    assert webhook_events(scene.session, scene.appeal.id) == ["appeal.stalled"]
    # On a stalled appeal the bad number's seat is closed, with no replacement walked.
    assert scene.fresh(Assignment, seats[2].id).state == AssignmentState.CLOSED
    assert len(events(scene.session, scene.appeal.id, AuditKind.REPLACEMENT)) == 1
    check(scene, rules)


@needs_postgres
def test_a_second_replacement_continues_where_a_concurrent_first_one_ended(
    postgres_only, scene, rules
):
    """t_stale2: a recusal commits between the receipt's read and its lock; the receipt's
    replacement must start at the recusal's end position, and the replay must agree."""
    import json

    seats = scene.seats()
    start = scene.appeal_row().draw_position
    recusal = scene.recuse(seats[0])
    scene.number_already_failing(seats[1])
    receipt = scene.failed_receipt(seats[1])
    with Interleave(scene.engine, recusal, mode="before") as step:
        ok(receipt())
    ok(step.outcome())
    walks = [
        json.loads(e.data)
        for e in events(scene.session, scene.appeal.id, AuditKind.REPLACEMENT)
    ]
    first, second = walks
    assert first["from_position"] == start
    assert second["from_position"] == first["to_position"] > first["from_position"]
    check(scene, rules)


@needs_postgres
def test_a_deciding_vote_during_a_bad_number_receipt_leaves_the_worker_running(
    postgres_only, scene, rules, make_worker
):
    """t_crash: the third vote closes the seat the worker is about to vacate for its bad
    number; the worker records the failure and goes on."""
    from panel_service.messaging.clients.sms.base import SmsFailure

    seats = scene.seats()
    for seat in seats[:2]:
        ok(scene.vote(seat)())
    deciding = scene.vote(seats[2])
    scene.session.execute(
        OutboxMessage.__table__.update()
        .where(OutboxMessage.assignment_id != seats[4].id)
        .values(status=OutboxStatus.SENT)
    )
    scene.session.commit()

    class BadNumber:
        name = "bad-number"

        def send(self, outgoing):
            raise SmsFailure("'To' number is not a mobile number", permanent=True, code="21614")

    worker = make_worker(backend=BadNumber(), engine=scene.engine)
    with Interleave(scene.engine, deciding, mode="before") as step:
        report = worker.run_once()
    ok(step.outcome())
    assert report.counts["failed"] == 1
    assert scene.appeal_row().status == AppealStatus.DECIDED
    assert scene.fresh(Assignment, seats[4].id).state == AssignmentState.CLOSED
    assert events(scene.session, scene.appeal.id, AuditKind.REPLACEMENT) == []
    check(scene, rules)


# -- 2. deadlocks ------------------------------------------------------------------------------


@needs_postgres
def test_suspending_a_panelist_while_another_votes_on_the_same_appeal_never_deadlocks(
    postgres_only, scene, rules
):
    """t_deadlock: the vote holds the appeal when the suspension starts."""
    seats = scene.seats()
    vote = scene.vote(seats[0])
    suspend = scene.membership(seats[1].panelist_id, "suspend")
    with Interleave(scene.engine, suspend, mode="during", patience=1.5) as step:
        response = vote()
    assert response.status_code == 303
    assert step.outcome().status_code == 302
    assert scene.fresh(Assignment, seats[0].id).state == AssignmentState.VOTED
    assert scene.fresh(Assignment, seats[1].id).state == AssignmentState.REPLACED
    check(scene, rules)


@needs_postgres
def test_a_bad_number_receipt_while_another_votes_on_the_same_appeal_never_deadlocks(
    postgres_only, scene, rules
):
    """t_deadlock2: the vote holds the appeal when the receipt for a bad number arrives."""
    seats = scene.seats()
    vote = scene.vote(seats[0])
    receipt = scene.failed_receipt(seats[1])
    with Interleave(scene.engine, receipt, mode="during", patience=1.5) as step:
        response = vote()
    assert response.status_code == 303
    assert step.outcome().status_code == 204
    assert scene.fresh(Assignment, seats[1].id).state == AssignmentState.REPLACED
    assert scene.fresh(Panelist, seats[1].panelist_id).mobile_failing_since is not None
    check(scene, rules)


# -- 3. membership changes on a stalled appeal ------------------------------------------------


@pytest.mark.parametrize("action", ["suspend", "retire", "rotate"])
def test_a_member_seated_on_a_stalled_appeal_can_be_suspended_retired_or_rotated(
    small_scene, rules, action
):
    """t_stall: the seat is closed without a replacement, the appeal stays stalled."""
    scene = small_scene
    seats = scene.seats()
    ok(scene.recuse(seats[0])())
    ok(scene.recuse(seats[1])())
    assert scene.appeal_row().status == AppealStatus.STALLED
    member = seats[2].panelist_id
    change = scene.rotate(member) if action == "rotate" else scene.membership(member, action)
    response = change()
    assert response.status_code == 302
    assert scene.fresh(Assignment, seats[2].id).state == AssignmentState.CLOSED
    assert not scene.fresh(Panelist, member).active
    assert scene.appeal_row().status == AppealStatus.STALLED
    assert len(events(scene.session, scene.appeal.id, AuditKind.STALLED)) == 1
    check(scene, rules)


# -- 4. editing a seated member ----------------------------------------------------------------


def _category(scene, seat):
    return scene.fresh(Panelist, seat.panelist_id).category


def test_editing_a_seated_member_into_the_appealing_department_gives_up_their_seat(
    scene, rules, department
):
    """t_edit: the conflicted member's seat goes to the next candidate; their link is dead."""
    seat = next(s for s in scene.seats() if _category(scene, s) != PanelistCategory.GOVERNMENT)
    vote = scene.vote(seat)
    assert scene.edit(seat.panelist_id, affiliation=department.code)().status_code == 302
    assert scene.fresh(Assignment, seat.id).state == AssignmentState.REPLACED
    assert vote().status_code in (200, 404)  # the link no longer records a vote
    assert scene.fresh(Assignment, seat.id).vote is None
    check(scene, rules)


def test_editing_seated_members_into_government_keeps_the_quota(scene, rules):
    """t_edit: members turned government beyond the quota give up their pending seats."""
    seats = scene.seats()
    others = [s for s in seats if _category(scene, s) != PanelistCategory.GOVERNMENT]
    for seat in others[:3]:
        assert scene.edit(seat.panelist_id, category="government")().status_code == 302
        check(scene, rules)
    replaced = [s for s in others[:3] if scene.fresh(Assignment, s.id).state != "pending"]
    assert replaced, "at least one seat had to go to keep the quota"


def test_a_vote_cast_before_the_member_was_edited_into_a_conflict_stands(
    scene, rules, department
):
    seat = next(s for s in scene.seats() if _category(scene, s) != PanelistCategory.GOVERNMENT)
    assert scene.vote(seat)().status_code == 303
    assert scene.edit(seat.panelist_id, affiliation=department.code)().status_code == 302
    stored = scene.fresh(Assignment, seat.id)
    assert (stored.state, stored.vote) == (AssignmentState.VOTED, "agree")


def test_the_sweep_gives_up_the_seats_of_members_who_may_no_longer_sit(
    session, scene, rules, make_worker
):
    """A draw that read a member just before their suspension committed seats them anyway;
    the worker's sweep finds such a seat and hands it on."""
    seats = scene.seats()
    panelist = session.get(Panelist, seats[0].panelist_id)
    panelist.active = False  # as if suspended by a transaction the draw did not see
    session.add(panelist)
    session.commit()
    worker = make_worker(engine=scene.engine)
    worker.run_once()
    assert scene.fresh(Assignment, seats[0].id).state == AssignmentState.REPLACED
    sent = session.exec(
        select(OutboxMessage).where(OutboxMessage.assignment_id == seats[0].id)
    ).one()
    assert sent.status == OutboxStatus.CANCELLED  # no invitation to a suspended member
    check(scene, rules)


def test_a_term_ending_while_the_seat_is_held_does_not_end_the_seat(
    session, appeal, rules, now, make_worker
):
    """README, "Membership changes and open seats": the member was in term when seated and
    serves out the appeal; no new seat is ever given to a member out of term."""
    from datetime import timedelta

    from panel_service.enums import PassOver
    from panel_service.membership.panelists import PanelistInput, update_panelist
    from panel_service.panel import lifecycle
    from panel_service.panel.seating import ineligibility
    from panel_service.timeutil import local_date

    seat = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).first()
    member = session.get(Panelist, seat.panelist_id)
    ended = local_date(now) - timedelta(days=1)
    update_panelist(
        session=session,
        panelist=member,
        data=PanelistInput(
            name=member.name, mobile=member.mobile, category=str(member.category),
            term_start=member.term_start, term_end=ended,
            pledge_signed_on=member.pledge_signed_on,
        ),
        actor="admin:test",
        rules=rules,
        now=now,
    )  # fmt: skip
    session.commit()
    make_worker().run_once()
    session.expire_all()
    assert session.get(Assignment, seat.id).state == AssignmentState.PENDING
    assert ineligibility(member, department_id=appeal.department_id, on=now) == PassOver.OUT_OF_TERM
    lifecycle.record_vote(
        session=session, assignment=seat, vote="agree", opinion="部门已按规定办结,理由充分。",
        rules=rules, now=now,
    )  # fmt: skip
    session.commit()
    assert session.get(Assignment, seat.id).state == AssignmentState.VOTED
