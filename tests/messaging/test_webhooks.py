"""Outcome webhooks: queued with the outcome, signed, delivered and retried by the worker."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlmodel import select

from panel_service.enums import MessageKind, OutboxChannel, OutboxStatus
from panel_service.messaging import webhooks
from panel_service.messaging.worker import Report
from panel_service.models import OutboxMessage
from panel_service.panel import deadlines, lifecycle
from panel_service.panel.lifecycle import withdraw_appeal
from panel_service.panel.seating import seated
from panel_service.rules import PanelRules

SECRET = "webhook-secret-0123456789"


def hooks(session) -> list[OutboxMessage]:
    session.rollback()
    session.expire_all()
    return list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.channel == OutboxChannel.WEBHOOK)
            .order_by(OutboxMessage.id)
        ).all()
    )


class Receiver:
    """A webhook endpoint on the loopback interface that answers with scripted statuses."""

    def __init__(self, *statuses: int):
        self.statuses = list(statuses)
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/panel"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver():
    made = []

    def make(*statuses):
        made.append(Receiver(*statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _decide(session, appeal, rules, now):
    for seat in seated(session=session, appeal_id=appeal.id)[:3]:
        lifecycle.record_vote(
            session=session,
            assignment=seat,
            vote="disagree",
            opinion="答复没有解决市民的问题。",
            rules=rules,
            now=now,
        )
    session.commit()


def test_a_decision_queues_one_webhook_with_the_outcome(session, appeal, rules, now):
    assert hooks(session) == []
    _decide(session, appeal, rules, now)
    (hook,) = hooks(session)
    assert hook.kind == MessageKind.WEBHOOK and hook.status == OutboxStatus.PENDING
    body = json.loads(hook.body)
    assert body["event"] == "appeal.decided"
    assert body["appeal"]["reference"] == appeal.reference
    assert body["appeal"]["decision"] == "dismissed"
    assert body["appeal"]["votes"] == {"agree": 0, "disagree": 3}


def test_a_withdrawal_queues_a_webhook(session, appeal, now):
    withdraw_appeal(session=session, appeal=appeal, reason="市民撤诉", actor="staff:x", now=now)
    session.commit()
    (hook,) = hooks(session)
    body = json.loads(hook.body)
    assert body["event"] == "appeal.withdrawn" and body["appeal"]["votes"] is None


def test_a_stall_queues_a_webhook(session, appeal, now):
    later = appeal.deadline + timedelta(minutes=1)
    deadlines.settle_expired(
        session=session, appeal_id=appeal.id, rules=PanelRules(max_replacement_rounds=0), now=later
    )
    session.commit()
    (hook,) = hooks(session)
    assert json.loads(hook.body)["event"] == "appeal.stalled"


def test_the_signature_is_hmac_sha256_of_the_exact_body():
    body = b'{"event":"appeal.decided"}'
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert webhooks.sign(body, SECRET) == f"sha256={expected}"


def _settings(url):
    return webhooks.WebhookSettings(url=url, secret=SECRET, timeout=5)


def test_the_worker_posts_the_signed_body(make_worker, receiver, session, appeal, rules, now):
    _decide(session, appeal, rules, now)
    endpoint = receiver()
    worker = make_worker(webhook=_settings(endpoint.url))
    report = Report()
    worker.send_webhooks(report)
    assert report.counts["webhook delivered"] == 1
    ((headers, body),) = endpoint.received
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Panel-Event"] == "appeal.decided"
    assert headers["X-Panel-Signature"] == webhooks.sign(body, SECRET)
    assert json.loads(body)["appeal"]["reference"] == appeal.reference
    (hook,) = hooks(session)
    assert hook.status == OutboxStatus.DELIVERED and hook.recipient == endpoint.url
    worker.send_webhooks(Report())
    assert len(endpoint.received) == 1  # delivered once, never again


def test_a_failing_endpoint_is_retried_with_the_sms_backoff(
    make_worker, receiver, session, appeal, rules, now
):
    from panel_service import timeutil

    _decide(session, appeal, rules, now)
    endpoint = receiver(500, 503)
    worker = make_worker(webhook=_settings(endpoint.url))
    worker.send_webhooks(Report())
    (hook,) = hooks(session)
    assert hook.status == OutboxStatus.PENDING and hook.attempts == 1
    assert hook.next_attempt_at == now + timedelta(seconds=30)
    assert hook.last_error == "HTTP 500"
    worker.send_webhooks(Report())
    assert len(endpoint.received) == 1  # not due yet

    timeutil.set_clock(lambda: now + timedelta(seconds=30))
    worker.send_webhooks(Report())
    (hook,) = hooks(session)
    assert hook.attempts == 2 and hook.next_attempt_at == now + timedelta(seconds=90)
    timeutil.set_clock(lambda: now + timedelta(seconds=90))
    worker.send_webhooks(Report())
    (hook,) = hooks(session)
    assert hook.status == OutboxStatus.DELIVERED and hook.attempts == 3
    bodies = {body for _headers, body in endpoint.received}
    assert len(bodies) == 1  # every retry carries the same signed body


def test_retries_give_up_after_the_attempt_limit(make_worker, receiver, session, appeal, now):
    from panel_service import timeutil

    withdraw_appeal(session=session, appeal=appeal, reason="撤诉", actor="staff:x", now=now)
    session.commit()
    endpoint = receiver(*[502] * 5)
    worker = make_worker(webhook=_settings(endpoint.url), rules=PanelRules(sms_max_attempts=2))
    worker.send_webhooks(Report())
    timeutil.set_clock(lambda: now + timedelta(minutes=5))
    worker.send_webhooks(Report())
    (hook,) = hooks(session)
    assert hook.status == OutboxStatus.FAILED and hook.attempts == 2


def test_a_client_error_is_not_retried(make_worker, receiver, session, appeal, now):
    withdraw_appeal(session=session, appeal=appeal, reason="撤诉", actor="staff:x", now=now)
    session.commit()
    endpoint = receiver(400)
    make_worker(webhook=_settings(endpoint.url)).send_webhooks(Report())
    (hook,) = hooks(session)
    assert hook.status == OutboxStatus.FAILED and hook.last_error == "HTTP 400"


def test_an_unreachable_endpoint_is_retried(make_worker, session, appeal, now):
    withdraw_appeal(session=session, appeal=appeal, reason="撤诉", actor="staff:x", now=now)
    session.commit()
    probe = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    closed_port = probe.server_port
    probe.server_close()
    worker = make_worker(webhook=_settings(f"http://127.0.0.1:{closed_port}/"))
    worker.send_webhooks(Report())
    (hook,) = hooks(session)
    assert hook.status == OutboxStatus.PENDING and hook.last_error.startswith("unreachable")


def test_without_a_webhook_url_the_message_is_cancelled(make_worker, session, appeal, now):
    withdraw_appeal(session=session, appeal=appeal, reason="撤诉", actor="staff:x", now=now)
    session.commit()
    make_worker().run_once()
    (hook,) = hooks(session)
    assert hook.status == OutboxStatus.CANCELLED and hook.last_error == "no webhook URL configured"


def test_the_webhook_needs_a_secret_and_https_in_production(database_url, signing_key_file):
    from panel_service.config import Config, ConfigError

    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        Config.from_env(environ={}, WEBHOOK_URL="https://platform.example.cn/hook")
    with pytest.raises(ConfigError, match="https"):
        Config.from_env(
            environ={},
            ENV="production",
            RATELIMIT_STORAGE_URL="redis://127.0.0.1:6379/15",
            SECRET_KEY="k" * 40,
            WEBHOOK_URL="http://platform.example.cn/hook",
            WEBHOOK_SECRET=SECRET,
            AUDIT_SIGNING_KEY_FILE=signing_key_file,
        )


def test_a_webhook_whose_claim_was_taken_over_is_not_posted(
    make_worker, receiver, engine, session, appeal, rules, now
):
    from sqlmodel import Session

    from panel_service import timeutil
    from panel_service.messaging import outbox

    _decide(session, appeal, rules, now)
    endpoint = receiver()
    settings = _settings(endpoint.url)
    taken = []

    def peer_takes_over(_claimed):
        later = now + outbox.LEASE + timedelta(seconds=1)
        timeutil.set_clock(lambda: later)
        with Session(engine, expire_on_commit=False) as peer:
            taken.extend(webhooks.claim(session=peer, settings=settings, now=later))
            peer.commit()

    report = Report()
    make_worker(webhook=settings, after_claim=peer_takes_over).send_webhooks(report)
    assert [o.attempt for o in taken] == [2]
    assert endpoint.received == []  # the peer holds the claim: posting is its job
    assert report.counts["claims lost"] == 1
    (hook,) = hooks(session)
    assert (hook.status, hook.attempts) == (OutboxStatus.SENDING, 2)
