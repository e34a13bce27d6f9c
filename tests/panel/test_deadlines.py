"""Deadlines with a moved clock: reminders before, replacements after, stalling at the end."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import select

from panel_service import timeutil
from panel_service.appeals.submission import create_appeal
from panel_service.enums import (
    AppealStatus,
    AssignmentState,
    AuditKind,
    MessageKind,
    OutboxChannel,
    SeatReason,
    VoteChoice,
)
from panel_service.models import Appeal, Assignment, AuditEvent, OutboxMessage
from panel_service.panel import deadlines
from panel_service.panel.lifecycle import record_vote

from .. import factories


def at(instant):
    timeutil.set_clock(lambda: instant)
    return instant


def fresh(session):
    session.rollback()
    session.expire_all()


def seats(session, appeal, state=None):
    query = select(Assignment).where(Assignment.appeal_id == appeal.id).order_by(Assignment.id)
    if state is not None:
        query = query.where(Assignment.state == state)
    return session.exec(query).all()


def sms(session, kind):
    return session.exec(
        select(OutboxMessage).where(
            OutboxMessage.channel == OutboxChannel.SMS, OutboxMessage.kind == kind
        )
    ).all()


def test_reminders_go_to_non_voters_a_day_before_the_deadline(
    session, appeal, rules, now, make_worker, sent_sms
):
    worker = make_worker()
    worker.run_once()
    voter = seats(session, appeal)[0]
    record_vote(session=session, assignment=voter, vote=VoteChoice.AGREE,
                opinion="处置符合规定,市民诉求已解决。", rules=rules, now=now)
    session.commit()
    at(now + timedelta(hours=47, minutes=59))  # 24 h 1 min before the deadline
    worker.run_once()
    assert [m["kind"] for m in sent_sms()].count("reminder") == 0
    at(now + timedelta(hours=48))
    worker.run_once()
    worker.run_once()  # a second pass reminds nobody twice
    reminders = [m for m in sent_sms() if m["kind"] == "reminder"]
    assert len(reminders) == 4
    assert all("9月27日（周六）10:00" in m["body"] and "/v/" in m["body"] for m in reminders)
    fresh(session)
    assert voter.id not in {m.assignment_id for m in sms(session, MessageKind.REMINDER)}


def test_the_reminder_lead_is_configurable(session, department, pool, rules, now):
    early = replace(rules, reminder_hours=30)
    for seat_rules in (rules, early):  # the reminder time is fixed when the seat is taken
        create_appeal(
            session=session, data=factories.appeal_input(department=department.code),
            submitted_by="staff:test", rules=seat_rules, now=now,
        )
    session.commit()
    at(now + timedelta(hours=47))  # 25 h before the deadlines
    reminded = deadlines.queue_reminders(session=session, rules=rules, now=timeutil.now())
    assert len(reminded) == 5 and {s.remind_at for s in reminded} == {now + timedelta(hours=42)}


def test_non_responders_are_replaced_at_the_deadline_with_a_fresh_one(
    session, appeal, rules, now, make_worker, sent_sms
):
    worker = make_worker()
    worker.run_once()
    old = {s.id: s.link_nonce for s in seats(session, appeal)}
    deadline = at(now + rules.voting_window)
    report = worker.run_once()
    assert report.counts["substitutes seated"] == 5
    fresh(session)
    replaced = seats(session, appeal, AssignmentState.REPLACED)
    assert {s.id for s in replaced} == set(old)
    assert all(s.link_nonce != old[s.id] for s in replaced)  # their links are revoked
    substitutes = seats(session, appeal, AssignmentState.PENDING)
    assert len(substitutes) == 5
    assert {s.deadline for s in substitutes} == {deadline + rules.voting_window}
    assert session.get(Appeal, appeal.id).deadline == deadline + rules.voting_window
    assert [m["kind"] for m in sent_sms()].count("replacement_invitation") == 5
    replaced = session.exec(
        select(Assignment).where(Assignment.closed_reason == SeatReason.NO_RESPONSE)
    ).all()
    assert len(replaced) == 5 and {s.deadline for s in replaced} == {deadline}  # one round
    revoked = session.exec(
        select(AuditEvent).where(AuditEvent.kind == AuditKind.LINK_REVOKED)
    ).all()
    assert len(revoked) == 5 and all('"no_response"' in e.data for e in revoked)


def test_the_appeal_stalls_after_the_last_replacement_round(
    session, appeal, rules, now, make_worker
):
    one_round = replace(rules, max_replacement_rounds=1)
    worker = make_worker(rules=one_round)
    first = at(now + rules.voting_window)
    worker.run_once()
    at(first + rules.voting_window)
    worker.run_once()
    fresh(session)
    stalled = session.get(Appeal, appeal.id)
    assert stalled.status == AppealStatus.STALLED
    assert len(seats(session, appeal, AssignmentState.CLOSED)) == 5
    assert seats(session, appeal, AssignmentState.PENDING) == []
    event = session.exec(
        select(AuditEvent).where(AuditEvent.kind == AuditKind.STALLED)
    ).one()
    assert '"max_replacement_rounds"' in event.data
    at(first + 3 * rules.voting_window)
    assert worker.run_once().counts["substitutes seated"] == 0  # staff decide from here


def test_the_appeal_stalls_when_no_eligible_panelist_is_left(
    session, department, rules, now, make_worker
):
    factories.PanelistFactory.create_batch(6)
    session.commit()
    appeal = create_appeal(
        session=session, data=factories.appeal_input(department=department.code),
        submitted_by="staff:test", rules=rules, now=now,
    )
    session.commit()
    at(now + rules.voting_window)
    report = make_worker().run_once()
    assert report.counts["substitutes seated"] == 1
    fresh(session)
    assert session.get(Appeal, appeal.id).status == AppealStatus.STALLED
    assert len(seats(session, appeal, AssignmentState.REPLACED)) == 2
    assert len(seats(session, appeal, AssignmentState.CLOSED)) == 3
    # The one substitute keeps the seat, but the stalled appeal does not text them.
    [substitute] = seats(session, appeal, AssignmentState.PENDING)
    [invite] = [m for m in sms(session, MessageKind.REPLACEMENT_INVITATION)]
    assert invite.assignment_id == substitute.id and invite.status == "cancelled"


def test_votes_before_the_deadline_are_kept(session, appeal, rules, now, make_worker):
    voters = seats(session, appeal)[:2]
    for seat in voters:
        record_vote(session=session, assignment=seat, vote=VoteChoice.DISAGREE,
                    opinion="部门答复未解决市民的实际诉求。", rules=rules, now=now)
    session.commit()
    at(now + rules.voting_window)
    make_worker().run_once()
    fresh(session)
    assert len(seats(session, appeal, AssignmentState.VOTED)) == 2
    assert len(seats(session, appeal, AssignmentState.REPLACED)) == 3
    assert len(seats(session, appeal, AssignmentState.PENDING)) == 3
