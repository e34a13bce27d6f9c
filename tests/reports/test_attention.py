"""What the homes say needs attention: each item found where it is, and nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlmodel import select

from panel_service.enums import (
    AppealStatus,
    MessageKind,
    OutboxChannel,
    OutboxStatus,
    PanelistCategory,
)
from panel_service.models import Appeal, OutboxMessage
from panel_service.panel.lifecycle import expire_seats, record_vote
from panel_service.panel.seating import seated
from panel_service.reports.attention import admin_attention, desk, message_queue, overdue_seats

from .. import factories

OPINION = "部门已按规定办结,理由充分。"


def _stall(session, appeal, rules):
    expire_seats(session=session, appeal_id=appeal.id,
                 rules=replace(rules, max_replacement_rounds=0),
                 now=appeal.deadline + timedelta(minutes=1))  # fmt: skip
    session.commit()


def _decide(session, appeal, rules, now):
    for seat in seated(session=session, appeal_id=appeal.id)[:3]:
        record_vote(session=session, assignment=seat, vote="agree", opinion=OPINION,
                    rules=rules, now=now)  # fmt: skip
    session.commit()


def test_a_healthy_panel_needs_nothing(session, pool, rules, now):
    assert admin_attention(session=session, rules=rules, now=now).empty


def test_a_stalled_appeal_and_seats_past_their_deadline(session, appeal, rules, now):
    late = appeal.deadline + timedelta(hours=1)
    (overdue,) = overdue_seats(session=session, now=late)
    assert (overdue.appeal.id, overdue.seats, overdue.oldest_deadline) == (
        appeal.id, 5, appeal.deadline,
    )  # fmt: skip
    assert overdue_seats(session=session, now=appeal.deadline - timedelta(seconds=1)) == []
    _stall(session, appeal, rules)
    found = admin_attention(session=session, rules=rules, now=late)
    assert [a.id for a in found.stalled] == [appeal.id]
    assert found.overdue == []  # a stalled appeal's seats are staff's now, not the sweep's


def test_messages_stuck_retried_or_failed_lately_by_channel_and_status(session, appeal, now):
    def message(status, channel=OutboxChannel.SMS, updated=now, attempts=0):
        session.add(OutboxMessage(kind=MessageKind.REMINDER, channel=channel, status=status,
                                  appeal_id=appeal.id, next_attempt_at=updated, attempts=attempts,
                                  created_at=updated, updated_at=updated))  # fmt: skip

    for row in session.exec(select(OutboxMessage)):  # the invitations: delivered already
        row.status = OutboxStatus.DELIVERED
        session.add(row)
    message(OutboxStatus.PENDING)  # just queued: the worker sends it at once
    message(OutboxStatus.PENDING, attempts=2)  # being retried
    message(OutboxStatus.PENDING, updated=now - timedelta(hours=3))  # stuck: no worker
    message(OutboxStatus.FAILED)
    message(OutboxStatus.FAILED, updated=now - timedelta(days=30))  # long dealt with
    message(OutboxStatus.FAILED, channel=OutboxChannel.WEBHOOK)
    message(OutboxStatus.SENT)
    session.commit()
    queue = {(q.channel, q.status): q for q in message_queue(session=session, now=now)}
    assert {k: q.count for k, q in queue.items()} == {
        (OutboxChannel.SMS, OutboxStatus.PENDING): 2,
        (OutboxChannel.SMS, OutboxStatus.FAILED): 1,
        (OutboxChannel.WEBHOOK, OutboxStatus.FAILED): 1,
    }
    assert queue[(OutboxChannel.SMS, OutboxStatus.PENDING)].oldest == now - timedelta(hours=3)


def test_failing_numbers_terms_ending_and_thin_pools(session, department, rules, now):
    members = factories.PanelistFactory.create_batch(4)
    members[0].mobile_failing_since = now
    members[1].term_end = date(2025, 11, 1)  # within 60 days of 24 September
    retired = factories.PanelistFactory(active=False, mobile_failing_since=now)
    session.commit()
    found = admin_attention(session=session, rules=rules, now=now)
    assert [p.id for p in found.failing] == [members[0].id]  # not the retired member's
    assert retired.id not in [p.id for p in found.failing]
    assert [p.id for p in found.terms_ending] == [members[1].id]
    assert PanelistCategory.GOVERNMENT in found.thin_categories
    assert [w.department.code for w in found.small_pools] == ["HOUSING"]
    assert not found.empty and found.last_checkpoint_at is None


def test_a_desk_lists_open_by_deadline_recent_decisions_and_stalls(
    session, pool, department, rules, now
):
    from panel_service.appeals.submission import create_appeal

    other = factories.DepartmentFactory(code="WATER", name="市水务局")
    session.commit()
    made = [
        create_appeal(session=session, data=factories.appeal_input(department=code),
                      submitted_by="staff:test", rules=rules, now=now + timedelta(hours=h))
        for code, h in (("HOUSING", 2), ("HOUSING", 0), ("WATER", 1), ("HOUSING", 3))
    ]  # fmt: skip
    session.commit()
    _decide(session, made[3], rules, now + timedelta(hours=4))
    _stall(session, session.get(Appeal, made[0].id), rules)
    staff = desk(session=session, now=now + timedelta(days=1))
    assert [a.id for a in staff.open] == [made[1].id, made[2].id]  # by deadline
    assert [a.id for a in staff.recently_decided] == [made[3].id]
    assert [a.id for a in staff.stalled] == [made[0].id]
    housing = desk(session=session, now=now + timedelta(days=1), department_id=department.id)
    assert [a.id for a in housing.open] == [made[1].id] and other.id not in {
        a.department_id for a in housing.open + housing.recently_decided + housing.stalled
    }
    later = desk(session=session, now=now + timedelta(days=15))
    assert later.recently_decided == []  # "recent" is two weeks
    assert session.get(Appeal, made[0].id).status == AppealStatus.STALLED
