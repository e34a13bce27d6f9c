"""The worker: sends due messages once, retries with backoff, survives crashes and peers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from panel_service import timeutil
from panel_service.appeals.submission import create_appeal
from panel_service.config import PROJECT_ROOT
from panel_service.enums import (
    AppealStatus,
    AssignmentState,
    MessageKind,
    OutboxChannel,
    OutboxStatus,
)
from panel_service.messaging.clients.sms.base import SmsFailure
from panel_service.messaging.outbox import LEASE
from panel_service.messaging.worker import Report
from panel_service.models import Appeal, Assignment, OutboxMessage, Panelist

from .. import factories
from ..conftest import TEST_SECRET


class ScriptedBackend:
    """Fails the first sends as told, then succeeds; remembers every send."""

    name = "scripted"

    def __init__(self, *failures: SmsFailure, delay: float = 0):
        self.failures = list(failures)
        self.sent = []
        self.delay = delay
        self.lock = threading.Lock()

    def send(self, message):
        time.sleep(self.delay)
        with self.lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append(message)
        return f"SM{message.message_id:08d}a{message.attempt}"


def messages(session):
    """Every SMS outbox row, read in a fresh transaction that is then ended."""
    session.rollback()
    session.expire_all()
    found = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.channel == OutboxChannel.SMS)
        .order_by(OutboxMessage.id)
    ).all()
    session.commit()
    return found


def test_one_pass_writes_the_five_invitations(appeal, make_worker, sent_sms, session):
    report = make_worker().run_once()
    assert report.counts["sent"] == 5
    lines = sent_sms()
    assert [line["kind"] for line in lines] == ["invitation"] * 5
    assert {line["appeal"] for line in lines} == {appeal.reference}
    assert all("https://panel.example.cn/v/" in line["body"] for line in lines)
    assert {m.status for m in messages(session)} == {OutboxStatus.SENT}
    assert make_worker().run_once().counts["sent"] == 0  # nothing is sent twice


def test_transient_failures_are_retried_with_backoff(appeal, make_worker, session, now):
    backend = ScriptedBackend(SmsFailure("HTTP 500", permanent=False, code="HTTP 500"))
    worker = make_worker(backend)
    worker.run_once()
    failed = [m for m in messages(session) if m.status == OutboxStatus.PENDING]
    assert len(failed) == 1 and len(backend.sent) == 4
    [retry] = failed
    assert (retry.attempts, retry.last_error) == (1, "HTTP 500: HTTP 500")
    assert retry.next_attempt_at == now + timedelta(seconds=30)
    worker.run_once()
    assert len(backend.sent) == 4  # not yet due
    timeutil.set_clock(lambda: now + timedelta(seconds=31))
    worker.run_once()
    assert len(backend.sent) == 5
    session.refresh(retry)
    assert (retry.status, retry.attempts) == (OutboxStatus.SENT, 2)
    assert retry.last_error == "HTTP 500: HTTP 500"  # kept for admins


def test_a_message_is_given_up_after_the_last_attempt(appeal, make_worker, session, now, rules):
    from dataclasses import replace

    failures = [SmsFailure("down", permanent=False)] * 10
    worker = make_worker(ScriptedBackend(*failures), rules=replace(rules, sms_max_attempts=2))
    worker.run_once()
    assert Counter(m.status for m in messages(session)) == {OutboxStatus.PENDING: 5}
    timeutil.set_clock(lambda: now + timedelta(minutes=5))
    worker.run_once()
    assert {(m.status, m.attempts, m.last_error) for m in messages(session)} == {
        (OutboxStatus.FAILED, 2, "down")
    }


def test_a_permanent_failure_marks_the_number_and_seats_a_substitute(
    appeal, make_worker, session, now
):
    backend = ScriptedBackend(SmsFailure("invalid 'To' number", permanent=True, code="21211"))
    worker = make_worker(backend)
    report = worker.run_once()
    assert report.counts["failed"] == 1
    failed = next(m for m in messages(session) if m.status == OutboxStatus.FAILED)
    seat = session.get(Assignment, failed.assignment_id)
    panelist = session.get(Panelist, seat.panelist_id)
    assert panelist.mobile_failing_since == now
    assert seat.state == AssignmentState.REPLACED
    # The substitute's invitation went out in the same pass: the appeal has five panelists.
    assert [o.kind for o in backend.sent].count(MessageKind.REPLACEMENT_INVITATION) == 1
    pending = session.exec(
        select(Assignment).where(
            Assignment.appeal_id == appeal.id, Assignment.state == AssignmentState.PENDING
        )
    ).all()
    assert len(pending) == 5 and seat.panelist_id not in {a.panelist_id for a in pending}


def test_a_lost_claim_does_not_overwrite_a_newer_attempt(appeal, make_worker, session, now):
    from panel_service.messaging import delivery, outbox

    settings = make_worker().settings
    [first] = outbox.claim(session=session, settings=settings, now=now, limit=1)
    session.commit()
    later = now + LEASE + timedelta(seconds=1)
    [second] = outbox.claim(session=session, settings=settings, now=later, limit=1)
    session.commit()
    assert first.message_id == second.message_id and second.attempt == 2
    stale = delivery.record_send(
        session=session, outgoing=first, provider_ref="SMold", rules=make_worker().rules, now=later
    )
    assert stale is None
    fresh = delivery.record_send(
        session=session, outgoing=second, provider_ref="SMnew", rules=make_worker().rules,
        now=later,
    )
    session.commit()
    assert fresh == OutboxStatus.SENT
    assert session.get(OutboxMessage, first.message_id).provider_ref == "SMnew"


def test_cli_worker_once(app, appeal, tmp_path):
    config = app.config["PANEL_CONFIG"]
    config.SMS_BACKEND, config.SMS_FILE = "file", str(tmp_path / "cli.jsonl")
    result = app.test_cli_runner().invoke(args=["panel", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "5 sent" in result.output
    assert len((tmp_path / "cli.jsonl").read_text(encoding="utf-8").splitlines()) == 5


# --- real processes, real clock -------------------------------------------------------


def real_time_appeal(session, pool, department, rules) -> Appeal:
    timeutil.set_clock(None)
    appeal = create_appeal(
        session=session, data=factories.appeal_input(department=department.code),
        submitted_by="staff:test", rules=rules, now=timeutil.now(),
    )
    session.commit()
    return appeal


def child_env(database_url: str, sms_file: Path) -> dict:
    return {
        **os.environ,
        "PANEL_ENV": "testing",
        "PANEL_DATABASE_URL": database_url,
        "PANEL_SECRET_KEY": TEST_SECRET,
        "PANEL_PUBLIC_BASE_URL": "https://panel.example.cn",
        "PANEL_SMS_BACKEND": "file",
        "PANEL_SMS_FILE": str(sms_file),
        "PANEL_SMS_QUIET_HOURS": "off",  # the real clock: it may be night
    }


def test_the_running_worker_writes_five_invitations_within_seconds(
    database_url, session, pool, department, rules, tmp_path
):
    sms_file, log = tmp_path / "e2e.jsonl", tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "panel", "worker", "--interval",
             "0.2"],
            cwd=PROJECT_ROOT, env=child_env(database_url, sms_file), stdout=out, stderr=out,
        )
    try:
        time.sleep(0.5)
        started = time.monotonic()
        appeal = real_time_appeal(session, pool, department, rules)
        lines: list[str] = []
        while time.monotonic() - started < 15 and len(lines) < 5:
            time.sleep(0.05)
            lines = sms_file.read_text(encoding="utf-8").splitlines() if sms_file.exists() else []
        elapsed = time.monotonic() - started
        assert len(lines) == 5, log.read_text(errors="replace")
        assert elapsed < 5 and appeal.reference in lines[0]
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=10)
    assert worker.returncode == 0


CRASHING_WORKER = """
import os, sys, time
from panel_service.config import Config
from panel_service.db import make_engine
from panel_service.messaging.worker import build_worker

def pause(claimed):
    print("CLAIMED", len(claimed), flush=True)
    time.sleep(600)  # the test kills us here, between claim and send

config = Config.from_env()
worker = build_worker(config, engine=make_engine(config.DATABASE_URL), after_claim=pause)
worker.run_once()
"""


@pytest.mark.postgres
def test_a_worker_killed_between_claim_and_send_leaves_nothing_stuck(
    engine, database_url, session, pool, department, rules, tmp_path, make_worker, sent_sms
):
    if engine.dialect.name != "postgresql":
        pytest.skip("crash recovery is exercised on PostgreSQL, where several workers run")
    real_time_appeal(session, pool, department, rules)
    crashed_file = tmp_path / "crashed.jsonl"
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WORKER], cwd=PROJECT_ROOT,
        env=child_env(database_url, crashed_file), stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout.readline().strip() == "CLAIMED 5"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
    assert not crashed_file.exists()  # killed before sending anything
    assert {m.status for m in messages(session)} == {OutboxStatus.SENDING}
    worker = make_worker()
    assert worker.run_once().counts["sent"] == 0  # the claims have not expired yet
    timeutil.set_clock(lambda: datetime.now(UTC) + LEASE + timedelta(seconds=1))
    assert worker.run_once().counts["sent"] == 5
    assert len(sent_sms()) == 5
    assert {(m.status, m.attempts) for m in messages(session)} == {(OutboxStatus.SENT, 2)}


@pytest.mark.postgres
def test_two_workers_never_send_a_message_twice(
    engine, session, pool, department, rules, make_worker
):
    if engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL's SKIP LOCKED; on SQLite run one worker")
    timeutil.set_clock(None)
    for _ in range(6):
        create_appeal(
            session=session, data=factories.appeal_input(department=department.code),
            submitted_by="staff:test", rules=rules, now=timeutil.now(),
        )
    session.commit()
    backends = [ScriptedBackend(delay=0.01), ScriptedBackend(delay=0.01)]
    workers = [make_worker(b, batch=3) for b in backends]
    start = threading.Barrier(2)

    def run(worker):
        start.wait()
        worker.run_once()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    sent = [o.message_id for b in backends for o in b.sent]
    assert len(sent) == len(set(sent)) == 30
    assert all(b.sent for b in backends)  # both really worked
    assert {m.status for m in messages(session)} == {OutboxStatus.SENT}
    assert session.exec(select(Appeal)).first().status == AppealStatus.OPEN


# --- a claim is held while its message is sent -----------------------------------------


def take_over(engine, settings, at):
    """Make a peer worker claim every due SMS at ``at`` (after the first one's lease ran out)."""
    from panel_service.messaging import outbox

    timeutil.set_clock(lambda: at)
    with Session(engine, expire_on_commit=False) as peer:
        taken = outbox.claim(session=peer, settings=settings, now=at, limit=50)
        peer.commit()
    return taken


def test_a_worker_whose_claim_was_taken_over_does_not_send(
    appeal, engine, make_worker, sms_settings, session, now
):
    taken = []
    backend = ScriptedBackend()
    worker = make_worker(
        backend,
        after_claim=lambda _claimed: taken.extend(
            take_over(engine, sms_settings, now + LEASE + timedelta(seconds=1))
        ),
    )
    report = Report()
    worker.send_due(report)
    assert len(taken) == 5 and {o.attempt for o in taken} == {2}
    assert backend.sent == []  # the peer holds every claim now: sending is its job
    assert report.counts["claims lost"] == 5
    # The peer's claims stand, untouched by the worker that lost them.
    assert {(m.status, m.attempts) for m in messages(session)} == {(OutboxStatus.SENDING, 2)}


class CountingBackend:
    """A slow provider (still within its timeout) that counts the texts it accepts."""

    name = "counting"
    timeout = 1

    def __init__(self, counts: Counter, lock: threading.Lock, delay: float):
        self.counts, self.lock, self.delay = counts, lock, delay

    def send(self, message):
        time.sleep(self.delay)
        with self.lock:
            self.counts[message.message_id] += 1
        return f"SM{message.message_id:08d}a{message.attempt}"


@pytest.mark.postgres
def test_a_lease_shorter_than_a_batch_never_sends_a_message_twice(
    engine, session, pool, department, rules, make_worker
):
    if engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL's SKIP LOCKED; on SQLite run one worker")
    try:
        real_time_appeal(session, pool, department, rules)
        timeutil.set_clock(lambda: datetime.now(UTC))  # real time, so leases run out
        counts, lock = Counter(), threading.Lock()
        # Five texts of 0.5 s each in one batch, under a 1.2 s lease: the last ones' leases
        # run out while the first ones are being sent, and a second worker arrives then.
        lease = timedelta(seconds=1.2)
        first, second = (
            make_worker(CountingBackend(counts, lock, 0.5), batch=5, lease=lease)
            for _ in range(2)
        )

        def late():
            time.sleep(1.6)
            second.send_due(Report())

        threads = [threading.Thread(target=first.send_due, args=(Report(),)),
                   threading.Thread(target=late)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        rows = messages(session)
        assert dict(counts) == {m.id: 1 for m in rows}  # every text went out exactly once
        assert {m.status for m in rows} == {OutboxStatus.SENT}
    finally:
        timeutil.set_clock(None)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (dict(provider_timeout=10, lease=timedelta(seconds=15)), "SMS provider"),
        (dict(webhook_timeout=60, lease=timedelta(seconds=100)), "webhook"),
    ],
)
def test_a_lease_must_outlast_a_provider_call(make_worker, overrides, problem):
    from panel_service.messaging.webhooks import WebhookSettings

    if "webhook_timeout" in overrides:
        overrides["webhook"] = WebhookSettings(
            url="https://platform.example.cn/hooks/panel", secret="s" * 20,
            timeout=overrides.pop("webhook_timeout"),
        )
    with pytest.raises(ValueError, match=problem):
        make_worker(**overrides)


def test_the_longest_configured_timeouts_fit_the_default_lease(config, engine):
    from dataclasses import replace

    from panel_service.messaging.worker import build_worker

    slowest = replace(
        config, SMS_BACKEND="twilio", TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="twilio-test-token", TWILIO_FROM="+15005550006", TWILIO_TIMEOUT=60,
        WEBHOOK_URL="https://platform.example.cn/hooks/panel", WEBHOOK_SECRET="s" * 20,
        WEBHOOK_TIMEOUT=60,
    )
    slowest.validate()
    worker = build_worker(slowest, engine=engine)
    assert worker.lease == LEASE and worker.provider_timeout == 60
    with pytest.raises(ValueError, match="SMS provider"):
        build_worker(slowest, engine=engine, lease=timedelta(seconds=90))


# --- one message's or one appeal's fault does not stop the worker ----------------------


def raise_once_for(monkeypatch, exc, *, when):
    """Make ``delivery.record_send`` raise ``exc`` the first time ``when(outgoing, failure)``."""
    from panel_service.messaging import delivery

    original, hit = delivery.record_send, []

    def record_send(*, outgoing, failure=None, **kw):
        if not hit and when(outgoing, failure):
            hit.append(outgoing.message_id)
            raise exc
        return original(outgoing=outgoing, failure=failure, **kw)

    monkeypatch.setattr(delivery, "record_send", record_send)
    return hit


def assert_logged_without_numbers(caplog, session, **ids):
    """An error was logged with a traceback and the ids, and no panelist's number."""
    [record] = [r for r in caplog.records if r.levelno >= 40]
    assert record.exc_info is not None
    assert all(getattr(record, key) == value for key, value in ids.items())
    mobiles = session.exec(select(Panelist.mobile)).all()
    session.rollback()  # end the read, or SQLite would show this snapshot to later reads
    assert not any(m in record.getMessage() or m[3:] in record.getMessage() for m in mobiles)


def test_an_exception_recording_a_failed_send_keeps_the_error_for_a_retry(
    appeal, make_worker, session, now, monkeypatch, caplog
):
    class Unexpected(Exception):
        """Any fault of the recording step (a bug, a constraint)."""

    # The number is refused, and recording that then raises: nothing reached the
    # panelist, so the message is tried again later like any transient failure.
    backend = ScriptedBackend(SmsFailure("invalid 'To' number", permanent=True, code="21211"))
    hit = raise_once_for(
        monkeypatch, Unexpected("assignment 1 is voted"),
        when=lambda _outgoing, failure: failure is not None,
    )
    worker = make_worker(backend)
    report = worker.run_once()
    assert report.counts["sent"] == 4 and report.counts["errors"] == 1
    [failing] = [m for m in messages(session) if m.id == hit[0]]
    assert (failing.status, failing.attempts) == (OutboxStatus.PENDING, 1)
    assert failing.last_error == (
        "21211: invalid 'To' number; Unexpected while recording the result"
    )
    assert failing.next_attempt_at == now + timedelta(seconds=30)  # the usual backoff
    assert {m.status for m in messages(session) if m.id != failing.id} == {OutboxStatus.SENT}
    assert_logged_without_numbers(caplog, session, message_id=failing.id, attempt=1)
    timeutil.set_clock(lambda: now + timedelta(seconds=31))
    assert worker.run_once().counts["sent"] == 1
    session.refresh(failing)
    assert (failing.status, failing.attempts) == (OutboxStatus.SENT, 2)


def test_an_exception_recording_an_accepted_send_never_sends_it_again(
    appeal, make_worker, session, now, monkeypatch
):
    backend = ScriptedBackend()
    hit = raise_once_for(monkeypatch, RuntimeError("boom"), when=lambda _o, failure: True)
    worker = make_worker(backend)
    assert worker.run_once().counts["errors"] == 1
    [accepted] = [m for m in messages(session) if m.id == hit[0]]
    # The provider has it: the row says so (its receipts will find it by provider_ref).
    assert (accepted.status, accepted.provider_ref) == (
        OutboxStatus.SENT, f"SM{accepted.id:08d}a1",
    )
    assert accepted.last_error == "RuntimeError while recording the result"
    assert {m.status for m in messages(session)} == {OutboxStatus.SENT}
    timeutil.set_clock(lambda: now + LEASE + timedelta(hours=2))
    worker.run_once()
    assert sorted(o.message_id for o in backend.sent) == [m.id for m in messages(session)]


def appeals_past_their_deadline(session, department, rules, now, count):
    """``count`` open appeals whose five seats' deadlines have just passed."""
    made = [
        create_appeal(
            session=session, data=factories.appeal_input(department=department.code),
            submitted_by="staff:test", rules=rules, now=now - rules.voting_window,
        )
        for _ in range(count)
    ]
    session.commit()
    return made


def pending_seats(session, appeal):
    session.rollback()
    return session.exec(
        select(Assignment).where(
            Assignment.appeal_id == appeal.id, Assignment.state == AssignmentState.PENDING
        )
    ).all()


def fail_to_settle(monkeypatch, appeal_id):
    from panel_service.panel import deadlines

    original = deadlines.settle_expired

    def settle_expired(*, appeal_id: int, **kw):
        if appeal_id == failing_id:
            raise RuntimeError("injected")
        return original(appeal_id=appeal_id, **kw)

    failing_id = appeal_id
    monkeypatch.setattr(deadlines, "settle_expired", settle_expired)


def test_an_exception_settling_one_appeal_does_not_stop_the_sweep(
    session, pool, department, rules, now, make_worker, monkeypatch, caplog
):
    first, broken, last = appeals_past_their_deadline(session, department, rules, now, 3)
    expired = {s.id for s in pending_seats(session, broken)}
    fail_to_settle(monkeypatch, broken.id)
    report = Report()
    make_worker().sweep(report)
    assert report.counts["substitutes seated"] == 10 and report.counts["errors"] == 1
    for swept in (first, last):  # before and after the broken one
        assert all(s.deadline > now for s in pending_seats(session, swept))
    assert {s.id for s in pending_seats(session, broken)} == expired  # retried next pass
    assert_logged_without_numbers(caplog, session, appeal_id=broken.id)


def test_the_running_worker_survives_exceptions_pass_after_pass(
    session, pool, department, rules, now, make_worker, monkeypatch
):
    first, broken, last = appeals_past_their_deadline(session, department, rules, now, 3)
    fail_to_settle(monkeypatch, broken.id)
    # One substitute's invitation fails at the provider and then again while recording.
    backend = ScriptedBackend(SmsFailure("HTTP 500", permanent=False, code="HTTP 500"))
    hit = raise_once_for(
        monkeypatch, RuntimeError("injected"), when=lambda _o, failure: failure is not None
    )
    worker = make_worker(backend)
    passes, real_run_once = [], worker.run_once

    def run_once():  # the second pass as a whole fails too
        passes.append(len(passes) + 1)
        if len(passes) == 2:
            raise RuntimeError("injected into a whole pass")
        return real_run_once()

    monkeypatch.setattr(worker, "run_once", run_once)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, kwargs=dict(interval=0.01, stop=stop))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while len(passes) < 6 and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert thread.is_alive() and len(passes) >= 6
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    rows = {m.id: m for m in messages(session)}
    failing = rows.pop(hit[0])
    assert failing.status == OutboxStatus.PENDING and failing.attempts == 1
    assert failing.last_error == "HTTP 500: HTTP 500; RuntimeError while recording the result"
    sent = [m for m in rows.values() if m.status == OutboxStatus.SENT]
    assert len(sent) == 9 and len(backend.sent) == 9  # the other substitutes' invitations
    for swept in (first, last):
        assert all(s.deadline > now for s in pending_seats(session, swept))
    assert all(s.deadline <= now for s in pending_seats(session, broken))
