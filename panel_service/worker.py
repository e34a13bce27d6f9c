"""The outbox worker: sweep deadlines, claim due messages, send them, record the results.

No database transaction is open while a provider is called: the claim is committed
first, then, message by message, the claim is renewed in a short transaction (and the
message skipped if the claim was lost), the send happens, and the result is written in
another short transaction. Several workers may run against PostgreSQL; on SQLite run one.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from . import deadlines, delivery, idempotency, outbox, timeutil, webhooks
from .rules import PanelRules
from .sms.base import Outgoing, SmsBackend, SmsFailure

log = logging.getLogger(__name__)


@dataclass
class Report:
    """What one pass did, by outcome."""

    counts: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items())) or "idle"


@dataclass
class Worker:
    engine: sa.Engine
    backend: SmsBackend
    settings: outbox.SmsSettings
    rules: PanelRules
    batch: int = 20
    lease: timedelta = outbox.LEASE
    # Called with the claimed messages (SMS or webhooks) after the claim is committed and
    # before any send; tests use it to kill a worker, or let a peer in, at exactly that point.
    after_claim: Callable[[list], None] | None = None
    # Outcome webhooks ride the same outbox; without settings they are cancelled, not sent.
    webhook: webhooks.WebhookSettings = field(
        default_factory=lambda: webhooks.WebhookSettings(url="", secret="")
    )
    # The SMS provider's HTTP timeout in seconds; None for a backend that calls no one.
    provider_timeout: float | None = None

    def __post_init__(self) -> None:
        # A claim is renewed before each send and must outlast the call it covers, or a
        # peer could take the row and send it again while the provider is still answering.
        calls = {"SMS provider": self.provider_timeout}
        if self.webhook.url:
            calls["webhook"] = self.webhook.timeout
        for what, seconds in calls.items():
            if seconds is not None and self.lease < 2 * timedelta(seconds=seconds):
                raise ValueError(
                    f"the outbox lease ({self.lease.total_seconds():g} s) must be at least "
                    f"twice the {what} timeout ({seconds:g} s)"
                )

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def sweep(self, report: Report) -> None:
        """Queue reminders and replace non-responders, one short transaction per appeal."""
        with self._session() as session:
            reminded = deadlines.queue_reminders(
                session=session, rules=self.rules, now=timeutil.now()
            )
            # Idempotency keys are kept a week (see idempotency.py); forget older ones.
            purged = idempotency.purge(session=session, now=timeutil.now())
            session.commit()
            report.counts["reminders queued"] += len(reminded)
            if purged:
                report.counts["idempotency keys forgotten"] += purged
            appeal_ids = deadlines.appeals_past_deadline(session=session, now=timeutil.now())
        for appeal_id in appeal_ids:
            with self._session() as session:
                substitutes = deadlines.settle_expired(
                    session=session, appeal_id=appeal_id, rules=self.rules, now=timeutil.now()
                )
                session.commit()
            report.counts["substitutes seated"] += len(substitutes)

    def _claimed_batches(self, claim, settings):
        """Claim due rows batch by batch, each claim committed, until none is due."""
        while True:
            with self._session() as session:
                claimed = claim(
                    session=session,
                    settings=settings,
                    now=timeutil.now(),
                    limit=self.batch,
                    lease=self.lease,
                )
                session.commit()
            if not claimed:
                return
            if self.after_claim is not None:
                self.after_claim(claimed)
            yield claimed

    def _held(self, claim, settings, report: Report):
        """Claimed messages one at a time, each only if its claim, renewed now, still stands."""
        for claimed in self._claimed_batches(claim, settings):
            for outgoing in claimed:
                with self._session() as session:
                    held = outbox.renew_claim(
                        session=session, outgoing=outgoing, now=timeutil.now(), lease=self.lease
                    )
                    session.commit()
                if held:
                    yield outgoing
                    continue
                # The lease ran out while earlier messages of the batch were sent: a peer may
                # be sending this one, and the row is due again for whoever claims it next.
                log.warning(
                    "claim on outbox message lost before it was sent; not sending it",
                    extra={"message_id": outgoing.message_id, "attempt": outgoing.attempt},
                )
                report.counts["claims lost"] += 1

    def send_due(self, report: Report) -> None:
        """Claim and send due messages batch by batch until none is due."""
        for outgoing in self._held(outbox.claim, self.settings, report):
            status = self._send_one(outgoing)
            report.counts[str(status) if status else "claims lost"] += 1

    def _send_one(self, outgoing: Outgoing):
        provider_ref, failure = None, None
        try:
            provider_ref = self.backend.send(outgoing)
        except SmsFailure as exc:
            failure = exc
        except Exception as exc:  # a backend bug must not kill the worker; retry later
            log.exception("SMS backend raised", extra={"message_id": outgoing.message_id})
            failure = SmsFailure(f"unexpected {type(exc).__name__}", permanent=False)
        with self._session() as session:
            status = delivery.record_send(
                session=session,
                outgoing=outgoing,
                provider_ref=provider_ref,
                failure=failure,
                rules=self.rules,
                now=timeutil.now(),
            )
            session.commit()
        log.info(
            "outbox message %s: %s",
            outgoing.kind,
            status,
            extra={"message_id": outgoing.message_id, "attempt": outgoing.attempt},
        )
        return status

    def send_webhooks(self, report: Report) -> None:
        """Claim and POST due outcome webhooks, batch by batch, like SMS."""
        for outgoing in self._held(webhooks.claim, self.webhook, report):
            failure = None
            try:
                webhooks.post(outgoing, self.webhook)
            except webhooks.WebhookFailure as exc:
                failure = exc
            with self._session() as session:
                status = webhooks.record_result(
                    session=session,
                    outgoing=outgoing,
                    failure=failure,
                    max_attempts=self.rules.sms_max_attempts,
                    now=timeutil.now(),
                )
                session.commit()
            report.counts[f"webhook {status}" if status else "claims lost"] += 1

    def run_once(self) -> Report:
        """One pass: the deadline sweep, then everything due (for cron and tests)."""
        report = Report()
        self.sweep(report)
        self.send_due(report)
        self.send_webhooks(report)
        return report

    def run_forever(self, *, interval: float, stop: threading.Event | None = None) -> None:
        """Pass after pass, ``interval`` seconds apart, until ``stop`` is set."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                report = self.run_once()
                if any(report.counts.values()):  # not every idle pass
                    log.info("worker pass: %s", report)
            except sa.exc.OperationalError:
                # The database went away for a moment; the next pass starts afresh.
                log.exception("worker pass failed; retrying after the interval")
            stop.wait(interval)


def build_worker(config, *, engine: sa.Engine, **overrides) -> Worker:
    """A worker configured from ``config`` (a ``Config``)."""
    from .sms import make_backend

    values = dict(
        engine=engine,
        backend=make_backend(config),
        settings=outbox.SmsSettings.from_config(config),
        rules=PanelRules.from_config(config),
        webhook=webhooks.WebhookSettings.from_config(config),
        provider_timeout=config.TWILIO_TIMEOUT if config.SMS_BACKEND == "twilio" else None,
    )
    values.update(overrides)
    return Worker(**values)
