"""The worker's SMS path: route each claimed text to a provider, send it, record it.

For each text, in order: if an earlier try's answer was lost (``unconfirmed_provider``),
the provider that may have taken it is asked first (``lookup``) and the text is sent
again only if that provider says it does not have it, so neither a retry nor a failover
ever duplicates a text a provider took; then the first provider that is not set aside
and can reach the number takes it (``providers``); then the result is recorded under the
claim (``delivery.record_send``) and the provider's health in a transaction of its own.
``poll_receipts`` asks providers that can be asked (``poll``) about texts whose receipt
has not come after ``receipt_poll_after``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import col, select

from .. import timeutil
from ..enums import OutboxChannel, OutboxStatus, SmsFault
from ..models import OutboxMessage
from . import delivery, outbox, providers
from .clients.sms.base import Outgoing, SmsFailure

log = logging.getLogger(__name__)

POLL_FOR = timedelta(days=3)  # a text without any report by then is left as sent
POLL_BATCH = 50


class SmsSending:
    """The SMS half of ``Worker`` (see worker.py for the loop and the claims)."""

    def send_due(self, report) -> None:
        """Claim and send due texts batch by batch until none is due, if any provider can
        take them now (a text never waits on a claim for a provider)."""
        with self._session() as session:
            rows = providers.health(session=session, names=list(self.backends))
        if providers.choose(rows=rows, now=timeutil.now()) is None:
            report.counts["texts waiting: every provider set aside"] += 1
            return
        for outgoing in self._held(outbox.claim, self.settings, report):
            status = self._send_one(outgoing, report)
            report.counts[str(status) if status else "claims lost"] += 1

    def _reaches(self, name: str, to: str) -> bool:
        can_send = getattr(self.backends[name], "can_send", None)
        return can_send is None or can_send(to)

    def _confirm(self, outgoing: Outgoing):
        """(provider_ref, failure) from asking the provider whose answer was lost;
        (None, None) when it does not have the text (or cannot ever tell)."""
        name = outgoing.unconfirmed_provider
        lookup = getattr(self.backends.get(name), "lookup", None)
        if lookup is None:
            return None, None
        try:
            found = lookup(outgoing)
        except SmsFailure as exc:
            return None, SmsFailure(f"cannot confirm: {exc.describe()}", fault=SmsFault.UNKNOWN)
        except Exception as exc:  # a bug must not send the text twice: ask again later
            log.exception("SMS look-up raised", extra={"message_id": outgoing.message_id})
            return None, SmsFailure(f"unexpected {type(exc).__name__}", fault=SmsFault.UNKNOWN)
        return found, None

    def _back_at(self, outgoing: Outgoing):
        now = timeutil.now()
        with self._session() as session:
            rows = providers.health(session=session, names=list(self.backends))
        reaching = [r for r in rows if self._reaches(r.name, outgoing.to)]
        return providers.back_at(reaching, now) if reaching else now

    def _route(self, outgoing: Outgoing):
        """(provider, failure, wait_until): who takes the text, or why nobody can now."""
        now = timeutil.now()
        with self._session() as session:
            rows = providers.health(session=session, names=list(self.backends))
        reaching = [r for r in rows if self._reaches(r.name, outgoing.to)]
        if not reaching:
            return None, SmsFailure("no configured provider reaches this number",
                                    fault=SmsFault.NUMBER), None  # fmt: skip
        name = providers.choose(rows=reaching, now=now)
        if name is None:
            until = providers.back_at(reaching, now)
            return None, SmsFailure("every provider is set aside", fault=SmsFault.ACCOUNT), until
        return name, None, None

    def _send_one(self, outgoing: Outgoing, report):
        provider_ref, failure, wait_until, name = None, None, None, None
        if outgoing.unconfirmed_provider:
            provider_ref, failure = self._confirm(outgoing)
            if provider_ref is not None or failure is not None:
                name = outgoing.unconfirmed_provider
                report.counts["confirmed taken" if provider_ref else "unconfirmed"] += 1
        if name is None:
            name, failure, wait_until = self._route(outgoing)
        if name is not None and failure is None and provider_ref is None:
            try:
                provider_ref = self.backends[name].send(outgoing)
            except SmsFailure as exc:
                failure = exc
            except Exception as exc:  # a backend bug must not kill the worker; retry later
                log.exception("SMS backend raised", extra={"message_id": outgoing.message_id})
                failure = SmsFailure(f"unexpected {type(exc).__name__}", permanent=False)
            self._note_health(name, failure)
        if failure is not None and failure.fault == SmsFault.ACCOUNT and wait_until is None:
            # Due again at once if another provider can take it, else when one returns.
            wait_until = self._back_at(outgoing)
        status = self._record(
            outgoing,
            report,
            lambda session: delivery.record_send(
                session=session, outgoing=outgoing, provider_ref=provider_ref, failure=failure,
                rules=self.rules, now=timeutil.now(), provider=name, wait_until=wait_until,
            ),  # fmt: skip
            accepted_as=OutboxStatus.SENT if failure is None else None,
            provider_ref=provider_ref,
            error=failure.describe() if failure else None,
            provider=name,
        )
        log.info(
            "outbox message %s: %s via %s",
            outgoing.kind,
            status,
            name,
            extra={"message_id": outgoing.message_id, "attempt": outgoing.attempt},
        )
        return status

    def _note_health(self, name: str, failure: SmsFailure | None) -> None:
        try:
            with self._session() as session:
                aside = providers.record(
                    session=session, name=name, fault=failure.fault if failure else None,
                    error=failure.describe() if failure else None, policy=self.policy,
                    now=timeutil.now(), alone=len(self.backends) == 1,
                )  # fmt: skip
                session.commit()
        except Exception:
            log.exception("recording an SMS provider's health failed", extra={"provider": name})
            return
        if aside:
            log.warning("SMS provider set aside", extra={"provider": name})

    def poll_receipts(self, report) -> None:
        """Ask providers about texts whose delivery report has not come in time."""
        now = timeutil.now()
        for name, backend in self.backends.items():
            poll = getattr(backend, "poll", None)
            if poll is None:
                continue
            with self._session() as session:
                rows = session.exec(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.channel == OutboxChannel.SMS,
                        OutboxMessage.status == OutboxStatus.SENT,
                        OutboxMessage.provider == name,
                        col(OutboxMessage.provider_status).is_(None),
                        col(OutboxMessage.sent_at) <= now - self.receipt_poll_after,
                        col(OutboxMessage.sent_at) > now - POLL_FOR,
                        OutboxMessage.updated_at <= now - self.receipt_poll_after,
                    )
                    .order_by(OutboxMessage.sent_at)
                    .limit(POLL_BATCH)
                ).all()
            for row in rows:
                self._poll_one(name, poll, row, report)

    def _poll_one(self, name, poll, row: OutboxMessage, report) -> None:
        try:
            outcome = poll(to=row.recipient, sent_at=row.sent_at, provider_ref=row.provider_ref,
                           message_id=row.id)  # fmt: skip
        except Exception as exc:  # SmsFailure or a bug: ask again at the next interval
            outcome = None
            log.warning("polling a delivery report failed: %s", type(exc).__name__,
                        extra={"message_id": row.id, "provider": name})  # fmt: skip
        with self._session() as session:
            if outcome is None:
                fresh = session.get(OutboxMessage, row.id, with_for_update=True)
                if fresh.status == OutboxStatus.SENT and fresh.provider_status is None:
                    fresh.updated_at = timeutil.now()  # not again before the next interval
                    session.add(fresh)
            else:
                status, code = outcome
                delivery.apply_receipt(
                    session=session, provider_ref=row.provider_ref or "", status=status,
                    error_code=code or None, rules=self.rules, now=timeutil.now(),
                    provider=name, message_id=row.id,
                )  # fmt: skip
                report.counts[f"receipts polled: {status}"] += 1
            session.commit()
