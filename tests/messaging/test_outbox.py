"""The outbox: rows written with what causes them, claimed once, rendered at send time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from panel_service.access import links
from panel_service.appeals.submission import create_appeal
from panel_service.enums import MessageKind, OutboxChannel, OutboxStatus, SeatReason
from panel_service.messaging import outbox
from panel_service.messaging.clients.sms.base import Outgoing
from panel_service.messaging.clients.sms.console import ConsoleBackend
from panel_service.messaging.clients.sms.file import FileBackend
from panel_service.models import Assignment, OutboxMessage, Panelist
from panel_service.panel.lifecycle import vacate_seat, withdraw_appeal

from .. import factories


def rows(session, kind=None):
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.channel == OutboxChannel.SMS)
        .order_by(OutboxMessage.id)
    )
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return session.exec(query).all()


def seats(session, appeal):
    return session.exec(
        select(Assignment).where(Assignment.appeal_id == appeal.id).order_by(Assignment.id)
    ).all()


def test_creating_an_appeal_queues_one_invitation_per_seat(session, appeal, now):
    queued = rows(session)
    assert [m.kind for m in queued] == [MessageKind.INVITATION] * 5
    assert {m.assignment_id for m in queued} == {s.id for s in seats(session, appeal)}
    assert all(m.status == OutboxStatus.PENDING and m.next_attempt_at == now for m in queued)
    assert all(m.body is None for m in queued)  # rendered at send time, never stored


def test_invitations_roll_back_with_the_appeal(session, pool, department, rules, now):
    create_appeal(
        session=session, data=factories.appeal_input(department=department.code),
        submitted_by="staff:test", rules=rules, now=now,
    )
    session.rollback()
    assert rows(session) == []


def test_a_replacement_queues_an_invitation_for_the_substitute(session, appeal, rules, now):
    seat = seats(session, appeal)[0]
    new = vacate_seat(
        session=session, assignment=seat, reason=SeatReason("recused"),
        actor="panelist", rules=rules, now=now,
    )
    session.commit()
    [invite] = rows(session, MessageKind.REPLACEMENT_INVITATION)
    assert invite.assignment_id == new.substitute.id


def test_withdrawal_queues_a_notice_to_each_pending_seat(session, appeal, now):
    closed = withdraw_appeal(
        session=session, appeal=appeal, reason="部门已与市民协商解决", actor="staff:test", now=now
    )
    session.commit()
    notices = rows(session, MessageKind.WITHDRAWN_NOTICE)
    assert sorted(m.assignment_id for m in notices) == sorted(a.id for a in closed)


def test_claim_renders_a_working_link_and_locks_the_row(session, appeal, sms_settings, now):
    claimed = outbox.claim(session=session, settings=sms_settings, now=now, limit=2)
    session.commit()
    assert len(claimed) == 2
    first = claimed[0]
    row = session.get(OutboxMessage, first.message_id)
    assert (row.status, row.attempts, row.claimed_until) == (
        OutboxStatus.SENDING, 1, now + outbox.LEASE,
    )
    seat = session.get(Assignment, row.assignment_id)
    assert first.to == session.get(Panelist, seat.panelist_id).mobile == row.recipient
    # Kind and parameters, not a finished body: each backend writes or templates the text.
    assert first.kind == "invitation" and set(first.params) == {"ref", "deadline", "token"}
    assert first.params["ref"] == appeal.reference and "（周" in first.params["deadline"]
    assert first.text("【12345热线】").startswith("【12345热线】")
    token = first.params["token"]
    assert first.text("").endswith(f"https://panel.example.cn/v/{token}")
    found, current = links.resolve(
        session=session, token=token, secret_keys=sms_settings.secret_keys
    )
    assert found.id == seat.id and current
    # Claimed rows are not due again until the lease runs out.
    again = outbox.claim(session=session, settings=sms_settings, now=now, limit=10)
    assert {o.message_id for o in again}.isdisjoint({o.message_id for o in claimed})
    session.commit()
    later = outbox.claim(
        session=session, settings=sms_settings, now=now + outbox.LEASE + timedelta(seconds=1)
    )
    assert {o.message_id for o in later} == {o.message_id for o in claimed + again}
    assert {o.attempt for o in later} == {2}


def test_an_invitation_to_a_vacated_seat_is_cancelled_not_sent(
    session, appeal, rules, sms_settings, now
):
    seat = seats(session, appeal)[0]
    vacate_seat(
        session=session, assignment=seat, reason=SeatReason("recused"),
        actor="panelist", rules=rules, now=now,
    )
    session.commit()
    claimed = outbox.claim(session=session, settings=sms_settings, now=now, limit=50)
    session.commit()
    assert seat.id not in {session.get(OutboxMessage, o.message_id).assignment_id for o in claimed}
    [cancelled] = [m for m in rows(session) if m.assignment_id == seat.id]
    assert cancelled.status == OutboxStatus.CANCELLED and "cannot vote" in cancelled.last_error


def test_a_withdrawal_before_any_send_sends_nothing(session, appeal, sms_settings, now):
    withdraw_appeal(session=session, appeal=appeal, reason="已协商解决", actor="staff", now=now)
    session.commit()
    assert outbox.claim(session=session, settings=sms_settings, now=now, limit=50) == []
    session.commit()
    assert {m.status for m in rows(session)} == {OutboxStatus.CANCELLED}


def test_a_withdrawal_after_the_invitations_notifies_those_invited(
    session, appeal, sms_settings, now
):
    invited = outbox.claim(session=session, settings=sms_settings, now=now, limit=50)
    for o in invited:
        outbox.mark_sent(message=session.get(OutboxMessage, o.message_id), provider_ref=None,
                         now=now)
    session.commit()
    withdraw_appeal(session=session, appeal=appeal, reason="已协商解决", actor="staff", now=now)
    session.commit()
    notices = outbox.claim(session=session, settings=sms_settings, now=now, limit=50)
    assert [o.kind for o in notices] == [MessageKind.WITHDRAWN_NOTICE] * 5
    assert all("token" not in o.params and "/v/" not in o.text("") for o in notices)


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [(1, timedelta(seconds=30)), (2, timedelta(minutes=1)), (4, timedelta(minutes=4)),
     (8, timedelta(hours=1)), (30, timedelta(hours=1))],
)
def test_backoff_doubles_up_to_a_cap(attempts, delay):
    assert outbox.backoff(attempts) == delay


def test_retry_gives_up_after_the_last_attempt(session, appeal, now):
    message = rows(session)[0]
    message.attempts = 2
    assert outbox.retry_or_give_up(message=message, error="500", max_attempts=3, now=now)
    assert (message.status, message.next_attempt_at) == (
        OutboxStatus.PENDING, now + timedelta(minutes=1),
    )
    message.attempts = 3
    assert not outbox.retry_or_give_up(message=message, error="500", max_attempts=3, now=now)
    assert message.status == OutboxStatus.FAILED and message.last_error == "500"


def test_provider_status_never_moves_backwards():
    message = OutboxMessage(kind=MessageKind.INVITATION, next_attempt_at=None)
    assert outbox.advance_provider_status(message, "sent")
    assert outbox.advance_provider_status(message, "delivered")
    assert not outbox.advance_provider_status(message, "sent")
    assert not outbox.advance_provider_status(message, "failed")  # the first final status wins
    assert message.provider_status == "delivered"


def test_file_backend_appends_one_json_object_per_line(tmp_path, now):
    import json

    backend = FileBackend(tmp_path / "out" / "sms.jsonl")
    for n in (1, 2):
        backend.send(Outgoing(n, 1, "withdrawn_notice", "+8613800000001", {"ref": "AP-1"}, "AP-1"))
    lines = (tmp_path / "out" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"to": "+8613800000001",
         "body": "【12345热线】申诉AP-1已撤回,无需评议,原链接已失效。感谢支持!",
         "kind": "withdrawn_notice", "appeal": "AP-1", "sent_at": now.isoformat()}
    ] * 2


def test_console_backend_prints_the_message(capsys):
    params = {"ref": "AP-1", "deadline": "9月27日（周六）18:00", "token": "tok"}
    ConsoleBackend().send(Outgoing(1, 1, "reminder", "+8613800000001", params, "AP-1",
                                   base_url="https://panel.example.cn"))  # fmt: skip
    out = capsys.readouterr().out
    assert "reminder" in out and "【12345热线】提醒:申诉AP-1" in out
    assert "9月27日（周六）18:00" in out and "https://panel.example.cn/v/tok" in out


@pytest.mark.postgres
def test_concurrent_claims_skip_locked_rows(engine, session, appeal, sms_settings, now):
    """Two open claim transactions on PostgreSQL take disjoint rows, without waiting."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL; on SQLite only one worker may run")
    with Session(engine) as first, Session(engine) as second:
        a = outbox.claim(session=first, settings=sms_settings, now=now, limit=3)
        # `first` still holds its row locks: `second` must skip them, not block.
        second.connection().exec_driver_sql("SET LOCAL lock_timeout = '2s'")
        b = outbox.claim(session=second, settings=sms_settings, now=now, limit=10)
        first.commit()
        second.commit()
    assert len(a) == 3 and len(b) == 2
    assert {o.message_id for o in a}.isdisjoint({o.message_id for o in b})


def test_a_claim_is_renewed_only_while_it_is_held(session, appeal, sms_settings, now):
    [mine] = outbox.claim(session=session, settings=sms_settings, now=now, limit=1)
    session.commit()
    row = session.get(OutboxMessage, mine.message_id)
    minute = now + timedelta(minutes=1)
    assert outbox.renew_claim(session=session, outgoing=mine, now=minute)
    session.commit()
    session.refresh(row)
    assert row.claimed_until == minute + outbox.LEASE  # a full lease from the renewal
    # A lease that ran out is lost, even before anyone else claims the row.
    expired = row.claimed_until + timedelta(seconds=1)
    assert not outbox.renew_claim(session=session, outgoing=mine, now=expired)
    [theirs] = outbox.claim(session=session, settings=sms_settings, now=expired, limit=1)
    session.commit()
    assert theirs.message_id == mine.message_id and theirs.attempt == 2
    assert not outbox.renew_claim(session=session, outgoing=mine, now=expired)  # fenced
    assert outbox.renew_claim(session=session, outgoing=theirs, now=expired)
    outbox.mark_sent(message=row, provider_ref="SM1", now=expired)
    session.add(row)
    session.commit()
    assert not outbox.renew_claim(session=session, outgoing=theirs, now=expired)  # done
    session.refresh(row)
    assert (row.status, row.claimed_until) == (OutboxStatus.SENT, None)
