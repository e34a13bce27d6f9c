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
from panel_service.appeals import create_appeal
from panel_service.config import PROJECT_ROOT
from panel_service.enums import (
    AppealStatus,
    AssignmentState,
    MessageKind,
    OutboxChannel,
    OutboxStatus,
)
from panel_service.models import Appeal, Assignment, OutboxMessage, Panelist
from panel_service.outbox import LEASE
from panel_service.sms.base import SmsFailure
from panel_service.worker import Report

from . import factories
from .conftest import TEST_SECRET


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
    from panel_service import delivery, outbox

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
from panel_service.worker import build_worker

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
    from panel_service import outbox

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
    from panel_service.webhooks import WebhookSettings

    if "webhook_timeout" in overrides:
        overrides["webhook"] = WebhookSettings(
            url="https://platform.example.cn/hooks/panel", secret="s" * 20,
            timeout=overrides.pop("webhook_timeout"),
        )
    with pytest.raises(ValueError, match=problem):
        make_worker(**overrides)


def test_the_longest_configured_timeouts_fit_the_default_lease(config, engine):
    from dataclasses import replace

    from panel_service.worker import build_worker

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
