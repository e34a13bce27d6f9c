"""The outbox worker: sweep deadlines, claim due messages, send them, record the results.

No database transaction is open while a provider is called: the claim is committed
first, then, message by message, the claim is renewed in a short transaction (and the
message skipped if the claim was lost), the send happens, and the result is written in
another short transaction. Several workers may run against PostgreSQL; on SQLite run one.
The SMS path itself (providers, failover, look-ups, polling) is in ``sending``.
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

from .. import timeutil
from ..access import idempotency
from ..enums import OutboxStatus
from ..panel import deadlines
from ..record.keeping import RecordSettings
from ..rules import PanelRules
from . import keeper, outbox, providers, webhooks
from .clients.sms.base import SmsBackend
from .sending import SmsSending

log = logging.getLogger(__name__)


@dataclass
class Report:
    """What one pass did, by outcome."""

    counts: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items())) or "idle"


@dataclass
class Worker(SmsSending):
    engine: sa.Engine
    settings: outbox.SmsSettings
    rules: PanelRules
    # The SMS providers in the order they are tried (``backend`` alone: just that one).
    backend: SmsBackend | None = None
    backends: dict[str, SmsBackend] = field(default_factory=dict)
    policy: providers.Policy = field(default_factory=providers.Policy)
    receipt_poll_after: timedelta = timedelta(minutes=15)
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
    # Epochs committed ahead and revealed, beacon draws, signed checkpoints.
    record: RecordSettings = field(default_factory=RecordSettings)

    def __post_init__(self) -> None:
        if self.backend is not None:
            self.backends = {self.backend.name: self.backend, **self.backends}
        if not self.backends:
            raise ValueError("a worker needs at least one SMS backend")
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

    def keep_record(self, report: Report) -> None:
        """Epochs, beacon draws and checkpoints for the public record (see keeper.py)."""
        keeper.keep_record(self, report)

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
            recheck_ids = deadlines.appeals_to_recheck(session=session, rules=self.rules)
        self._per_appeal(recheck_ids, deadlines.recheck, "seats handed on", report)
        self._per_appeal(appeal_ids, deadlines.settle_expired, "substitutes seated", report)

    def _per_appeal(self, appeal_ids, step, counted: str, report: Report) -> None:
        """Run ``step`` on each appeal in its own transaction; one appeal's fault is logged
        and retried on the next pass, never holding up the others."""
        for appeal_id in appeal_ids:
            try:
                with self._session() as session:
                    done = step(
                        session=session, appeal_id=appeal_id, rules=self.rules, now=timeutil.now()
                    )
                    session.commit()
            except Exception:
                log.exception(
                    "sweeping an appeal failed (%s)", step.__name__, extra={"appeal_id": appeal_id}
                )
                report.counts["errors"] += 1
                continue
            report.counts[counted] += len(done)

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

    def _record(
        self, outgoing, report: Report, record, *, accepted_as, provider_ref, error, provider=None
    ):
        """Run ``record(session)`` in its own transaction and commit; if it raises, roll it
        back and keep the error on the row instead, so one message cannot stop the worker.

        ``accepted_as`` and ``error`` say what the provider did (see outbox.record_error).
        """
        ids = {"message_id": outgoing.message_id, "attempt": outgoing.attempt}
        try:
            with self._session() as session:
                status = record(session)
                session.commit()
            return status
        except Exception as exc:
            log.exception("recording the result of an outbox message failed", extra=ids)
            report.counts["errors"] += 1
            fault = f"{type(exc).__name__} while recording the result"
        try:
            with self._session() as session:
                status = outbox.record_error(
                    session=session,
                    outgoing=outgoing,
                    error=f"{error}; {fault}" if error else fault,
                    accepted_as=accepted_as,
                    provider_ref=provider_ref,
                    provider=provider,
                    max_attempts=self.rules.sms_max_attempts,
                    now=timeutil.now(),
                )
                session.commit()
            return status
        except Exception:
            # Most likely the database itself; the claim expires and the row is due again.
            log.exception("keeping the error on an outbox message failed", extra=ids)
            return None

    def send_webhooks(self, report: Report) -> None:
        """Claim and POST due outcome webhooks, batch by batch, like SMS."""
        for outgoing in self._held(webhooks.claim, self.webhook, report):
            status = self._post_one(outgoing, report)
            report.counts[f"webhook {status}" if status else "claims lost"] += 1

    def _post_one(self, outgoing: webhooks.WebhookOutgoing, report: Report):
        failure = None
        try:
            webhooks.post(outgoing, self.webhook)
        except webhooks.WebhookFailure as exc:
            failure = exc
        except Exception as exc:  # as for SMS: a bug must not kill the worker; retry later
            log.exception("webhook POST raised", extra={"message_id": outgoing.message_id})
            failure = webhooks.WebhookFailure(f"unexpected {type(exc).__name__}", permanent=False)
        return self._record(
            outgoing,
            report,
            lambda session: webhooks.record_result(
                session=session,
                outgoing=outgoing,
                failure=failure,
                max_attempts=self.rules.sms_max_attempts,
                now=timeutil.now(),
            ),
            # A 2xx answer is the receiver's own receipt (see webhooks.record_result).
            accepted_as=OutboxStatus.DELIVERED if failure is None else None,
            provider_ref=None,
            error=str(failure) if failure else None,
        )

    def run_once(self) -> Report:
        """One pass: the deadline sweep, then everything due (for cron and tests)."""
        report = Report()
        for stage in (
            self.keep_record, self.sweep, self.send_due, self.send_webhooks, self.poll_receipts
        ):
            try:
                stage(report)
            except sa.exc.OperationalError:
                raise  # the database went away: the pass ends here (see run_forever)
            except Exception:
                # A fault in one stage (say, the reminders) must not hold up the others.
                log.exception("worker stage failed", extra={"stage": stage.__name__})
                report.counts["errors"] += 1
        return report

    def run_forever(self, *, interval: float, stop: threading.Event | None = None) -> None:
        """Pass after pass, ``interval`` seconds apart, until ``stop`` is set."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                report = self.run_once()
                if any(report.counts.values()):  # not every idle pass
                    log.info("worker pass: %s", report)
            except Exception:
                # The database went away for a moment, or a bug: the next pass starts afresh.
                # (KeyboardInterrupt and SystemExit are not Exceptions: they still stop us.)
                log.exception("worker pass failed; retrying after the interval")
            stop.wait(interval)


def build_worker(config, *, engine: sa.Engine, **overrides) -> Worker:
    """A worker configured from ``config`` (a ``Config``)."""
    from .clients.sms import make_backends

    values = dict(
        engine=engine,
        backends=make_backends(config),
        settings=outbox.SmsSettings.from_config(config),
        rules=PanelRules.from_config(config),
        webhook=webhooks.WebhookSettings.from_config(config),
        provider_timeout=config.sms_timeout,
        policy=providers.Policy.from_config(config),
        receipt_poll_after=timedelta(seconds=config.ALIYUN_POLL_AFTER),
        record=RecordSettings.from_config(config),
    )
    if "backend" in overrides:  # one given backend replaces the configured providers
        values.pop("backends")
    values.update(overrides)
    return Worker(**values)
