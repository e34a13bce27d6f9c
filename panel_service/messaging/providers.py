"""Which SMS provider takes the next text: their order, their health, failover.

``PANEL_SMS_BACKENDS`` lists the providers in order. A text goes to the first one that is
not set aside and can reach the number. A provider is set aside for a cool-down
(``PANEL_SMS_COOLDOWN``) when it fails transiently ``PANEL_SMS_FAILOVER_AFTER`` times in a
row (errors, 5xx, no answer) or reports an account fault (balance, template, signature,
keys) at once; a success clears the count. A bad number or a rate limit says nothing about
the provider. The health rows are shared by every worker and shown to admins and /readyz.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from ..enums import SmsFault
from ..models import SmsProviderHealth

COUNTED = (SmsFault.TRANSIENT, SmsFault.UNKNOWN)  # failures that count against a provider


@dataclass(frozen=True)
class Policy:
    failover_after: int = 3
    cooldown: timedelta = timedelta(minutes=5)

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(config.SMS_FAILOVER_AFTER, timedelta(seconds=config.SMS_COOLDOWN))


def is_available(row: SmsProviderHealth, now: datetime) -> bool:
    return row.down_until is None or row.down_until <= now


def health(*, session: Session, names: list[str]) -> list[SmsProviderHealth]:
    """Each provider's health, in the order given (a provider never heard of is healthy)."""
    rows = {r.name: r for r in session.exec(select(SmsProviderHealth)).all()}
    return [rows.get(name) or SmsProviderHealth(name=name) for name in names]


def choose(
    *, rows: list[SmsProviderHealth], now: datetime, can_send=lambda name: True
) -> str | None:
    """The first provider, in order, that is not set aside and can reach the number."""
    for row in rows:
        if is_available(row, now) and can_send(row.name):
            return row.name
    return None


def back_at(rows: list[SmsProviderHealth], now: datetime) -> datetime:
    """When the first set-aside provider returns (``now`` if one is available)."""
    if any(is_available(row, now) for row in rows):
        return now
    return min(row.down_until for row in rows)


def record(
    *, session: Session, name: str, fault: SmsFault | None, error: str | None,
    policy: Policy, now: datetime, alone: bool = False,
) -> bool:
    """Count one send's outcome for ``name``; True if it set the provider aside now.

    ``alone``: no other provider is configured, so transient failures are only counted
    (the backoff already spaces the retries); an account fault still sets it aside, for
    admins and /readyz to see. The caller commits (a short transaction: the row is a lock).
    """  # fmt: skip
    if fault not in (None, SmsFault.ACCOUNT, *COUNTED):
        return False  # a bad number or a rate limit says nothing about the provider
    row = _locked(session, name, now)
    row.updated_at = now
    set_aside = False
    if fault is None:
        row.consecutive_failures, row.fault, row.last_success_at = 0, None, now
        row.down_until = None
    else:
        row.consecutive_failures += 1
        row.last_error, row.last_failure_at = (error or "")[:500], now
        many = not alone and row.consecutive_failures >= policy.failover_after
        if fault == SmsFault.ACCOUNT or many:
            row.fault = "account" if fault == SmsFault.ACCOUNT else "transient"
            row.down_until = now + policy.cooldown
            set_aside = True
    session.add(row)
    session.flush()
    return set_aside


def _locked(session: Session, name: str, now: datetime) -> SmsProviderHealth:
    """The provider's row, locked until commit (created on first use by any worker)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(SmsProviderHealth)
        .values(name=name, consecutive_failures=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return session.exec(
        select(SmsProviderHealth)
        .where(SmsProviderHealth.name == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
