"""Faults: PostgreSQL restarted under a running service, workers killed mid-batch.

These run real processes (gunicorn, `flask panel worker`) and are marked ``slow``; CI runs
them. The restart test starts a private PostgreSQL cluster of its own, never the shared one.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from panel_service import migrate
from panel_service.access import links
from panel_service.access.api_keys import create_api_key
from panel_service.appeals.submission import create_appeal
from panel_service.db import make_engine
from panel_service.enums import AppealStatus, AssignmentState, Decision, OutboxStatus
from panel_service.models import Appeal, Assignment, OutboxMessage, Panelist
from panel_service.record import epochs
from panel_service.rules import PanelRules

from . import factories, procs
from .conftest import TEST_SECRET

pytestmark = pytest.mark.slow


def _seed(session: Session, *, appeals: int, panelists: int = 20) -> list[Appeal]:
    """Departments, a pool and ``appeals`` open appeals drawn at the real time."""
    factories.bind(session)
    try:
        department = factories.DepartmentFactory(code="HOUSING", name="市住房和城乡建设局")
        factories.PanelistFactory.create_batch(panelists)
        # As `panel init-db` and the worker do: today's seed committed before any appeal.
        epochs.commit_ahead(session=session, now=datetime.now(UTC) - timedelta(minutes=1))
        session.commit()
        made = []
        for _ in range(appeals):
            made.append(
                create_appeal(
                    session=session, data=factories.appeal_input(department=department.code),
                    submitted_by="staff:test", rules=PanelRules(), now=datetime.now(UTC),
                )
            )
            session.commit()
        return made
    finally:
        factories.bind(None)


def _tokens(session: Session, appeal: Appeal) -> list[str]:
    seats = session.exec(
        select(Assignment).where(Assignment.appeal_id == appeal.id).order_by(Assignment.id)
    ).all()
    return [links.make_token(assignment=a, secret_keys=[TEST_SECRET]) for a in seats]


@pytest.fixture
def private_cluster():
    """A PostgreSQL cluster of this test's own, on a free port, removed afterwards."""
    bindir = procs.postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    cluster = procs.PrivateCluster(bindir)
    try:
        cluster.init()
        cluster.start()
    except (subprocess.SubprocessError, OSError) as exc:
        cluster.destroy()
        pytest.skip(f"cannot start a private PostgreSQL cluster here: {exc}")
    admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("CREATE DATABASE panel")
    admin.dispose()
    try:
        yield cluster
    finally:
        cluster.destroy()


def test_a_postgres_restart_fails_requests_cleanly_and_the_service_recovers_alone(
    private_cluster, tmp_path
):
    url = private_cluster.url("panel")
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        first, second = _seed(session, appeals=2)
        _row, api_key = create_api_key(session=session, name="hotline", now=datetime.now(UTC))
        session.commit()
        first_tokens, second_tokens = _tokens(session, first), _tokens(session, second)
    sms_file = tmp_path / "sms.jsonl"
    env = procs.child_env(url, PANEL_SMS_BACKEND="file", PANEL_SMS_FILE=str(sms_file))
    web, base = procs.gunicorn(env, tmp_path / "web.log", workers=2)
    worker = procs.cli_worker(env, tmp_path / "worker.log")
    try:
        # Before: the worker sends the ten invitations, two panelists vote.
        procs.wait_until(
            lambda: sms_file.exists() and len(sms_file.read_text().splitlines()) == 10,
            timeout=20, what="the first ten invitations",
        )
        assert [procs.Browser(base).vote(t) for t in first_tokens[:2]] == [200, 200]

        private_cluster.stop()
        # Down: the process still answers, readiness says why not, pages fail fast with 5xx.
        started = time.monotonic()
        status, body = procs.http("GET", base + "/readyz", timeout=15)
        assert status == 503
        assert json.loads(body)["checks"]["database"]["ok"] is False
        assert procs.http("GET", base + "/healthz")[0] == 200
        status, body = procs.http(
            "GET", base + "/api/v1/departments", headers={"Authorization": f"Bearer {api_key}"},
            timeout=15,
        )
        assert status == 503 and json.loads(body)["error"] == "unavailable"
        down_vote = procs.Browser(base).vote(first_tokens[2])
        assert down_vote == 503
        assert time.monotonic() - started < 30  # no hang: every answer came quickly

        private_cluster.start()
        # Up again: no restart of gunicorn or the worker; stale pooled connections are
        # replaced (pinged after idling, db._ping_after_idle), so the first requests succeed.
        procs.wait_until(lambda: procs.http("GET", base + "/readyz")[0] == 200, timeout=30,
                         what="/readyz after the restart")
        votes = [procs.Browser(base).vote(t) for t in first_tokens[2:3] + second_tokens[:3]]
        assert votes == [200] * 4
        with Session(engine) as session:  # a fresh appeal: five more texts to send
            factories.bind(session)
            try:
                third = create_appeal(
                    session=session, data=factories.appeal_input(department="HOUSING"),
                    submitted_by="staff:test", rules=PanelRules(), now=datetime.now(UTC),
                )
                session.commit()
                reference = third.reference
            finally:
                factories.bind(None)
        procs.wait_until(
            lambda: reference in sms_file.read_text(encoding="utf-8"), timeout=30,
            what="the worker to send again after the restart",
        )
        assert worker.popen.poll() is None and web.popen.poll() is None  # never restarted
    finally:
        worker.stop()
        web.stop()

    with Session(engine) as session:
        # Nothing committed was lost: the two votes before the outage, the four after.
        for appeal, voted in ((first, 3), (second, 3)):
            stored = session.get(Appeal, appeal.id)
            assert stored.status == AppealStatus.DECIDED
            assert stored.decision == Decision.UPHELD
            count = session.exec(
                select(func.count()).select_from(Assignment).where(
                    Assignment.appeal_id == appeal.id, Assignment.state == AssignmentState.VOTED
                )
            ).one()
            assert count == voted
    lines = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    sent = Counter((line["to"], line["appeal"], line["kind"]) for line in lines)
    assert max(sent.values()) == 1  # the outage made nobody get a text twice
    engine.dispose()


# --- the worker killed at random points -----------------------------------------------------

KILLABLE_WORKER = """
import os, sys
from datetime import timedelta
from panel_service.config import Config
from panel_service.db import make_engine
from panel_service.messaging.clients.sms.twilio import TwilioBackend
from panel_service.messaging.worker import build_worker

config = Config.from_env()
backend = TwilioBackend.from_config(config)
backend.client.api.base_url = os.environ["FAKE_TWILIO_URL"]
# A short lease, so rows claimed by a killed worker are due again within seconds.
worker = build_worker(config, engine=make_engine(config.DATABASE_URL), backend=backend,
                      lease=timedelta(seconds=3), batch=10)
print("READY", flush=True)
worker.run_forever(interval=0.2)
"""
SID = "AC" + "0" * 32
REFERENCE = re.compile(r"申诉(\S+?),")


class CountingMessagesApi:
    """A fake Twilio Messages API that counts every message it accepts, by number and appeal."""

    def __init__(self):
        self.received: Counter = Counter()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                to, body = form["To"][0], form["Body"][0]
                with fake.lock:
                    fake.received[(to, REFERENCE.search(body)[1])] += 1
                    n = sum(fake.received.values())
                payload = json.dumps({"sid": f"SM{n:032d}", "status": "queued"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


APPEALS = 200
KILLS = 6


@pytest.mark.postgres
def test_workers_killed_at_random_points_send_every_invitation_once(
    engine, database_url, tmp_path, capsys
):
    if engine.dialect.name != "postgresql":
        pytest.skip("killed and restarted workers run side by side on PostgreSQL only")
    with Session(engine, expire_on_commit=False) as session:
        _seed(session, appeals=APPEALS, panelists=35)
        seats = session.exec(
            select(Assignment.appeal_id, Assignment.panelist_id)
        ).all()
    assert len(seats) == APPEALS * 5
    fake = CountingMessagesApi()
    fake.thread.start()
    env = procs.child_env(
        database_url, PANEL_SMS_BACKEND="twilio", PANEL_TWILIO_ACCOUNT_SID=SID,
        PANEL_TWILIO_AUTH_TOKEN="twilio-test-token", PANEL_TWILIO_FROM="+15005550006",
        # The fake answers at once; the workers' 3 s lease must outlast twice this timeout.
        PANEL_TWILIO_TIMEOUT="1", FAKE_TWILIO_URL=fake.url,
    )
    rng = random.Random()
    kills, unsent_at_kill = 0, []

    def unsent() -> int:
        with Session(engine) as session:
            return session.exec(
                select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status != OutboxStatus.SENT
                )
            ).one()

    try:
        # Two workers at a time; one of them is killed at a random moment, then replaced.
        running = [procs.Proc([sys.executable, "-c", KILLABLE_WORKER], env,
                              tmp_path / f"worker-{i}.log") for i in range(2)]
        for round_no in range(KILLS):
            time.sleep(rng.uniform(0.3, 1.2))
            unsent_at_kill.append(unsent())
            victim = running.pop(rng.randrange(len(running)))
            victim.kill()
            kills += 1
            running.append(procs.Proc([sys.executable, "-c", KILLABLE_WORKER], env,
                                      tmp_path / f"worker-r{round_no}.log"))

        procs.wait_until(lambda: unsent() == 0, timeout=45, interval=0.5,
                         what="every invitation sent")
    finally:
        for proc in running:
            proc.stop()
        fake.server.shutdown()
        fake.server.server_close()

    with Session(engine) as session:
        numbers = dict(session.exec(
            sa.select(Panelist.id, Panelist.mobile)
        ).all())
        references = dict(session.exec(sa.select(Appeal.id, Appeal.reference)).all())
        attempts = {
            (numbers[panelist_id], references[appeal_id]): tries
            for appeal_id, panelist_id, tries in session.exec(
                sa.select(Assignment.appeal_id, Assignment.panelist_id, OutboxMessage.attempts)
                .join(OutboxMessage, OutboxMessage.assignment_id == Assignment.id)
            ).all()
        }
    expected = {(numbers[p], references[a]) for a, p in seats}
    assert sum(1 for n in unsent_at_kill if n) >= KILLS // 2  # the kills fell mid-batch
    assert set(fake.received) == expected  # every invitation reached the provider
    duplicates = {key: n for key, n in fake.received.items() if n > 1}
    # A duplicate is possible only where a kill fell after the provider accepted a text and
    # before its result was committed: one message per killed worker at most.
    assert sum(n - 1 for n in duplicates.values()) <= kills
    # ... and only for a message claimed again after its first claimant died.
    assert all(attempts[key] >= 2 for key in duplicates)
    with capsys.disabled():
        sys.stderr.write(
            f"\n[worker kills] {APPEALS} appeals, {len(expected)} invitations, {kills} kills, "
            f"{sum(fake.received.values())} provider requests, "
            f"{sum(n - 1 for n in duplicates.values())} duplicate(s) from a kill between the "
            f"provider's answer and the commit (unsent at each kill: {unsent_at_kill})\n"
        )
