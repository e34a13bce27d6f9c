"""Draw seeds fixed before the appeals they decide, as RFC 3797 asks.

Each calendar day in ``PANEL_TIMEZONE`` is an *epoch* with a 32-byte secret. The worker
commits the next days ahead: it stores their secrets and publishes ``SHA-256(secret)`` in
one ``epoch.committed`` event. An appeal registered on day D is drawn with

    seed = HMAC-SHA256(key=secret(D), msg=b"panel-seed-v1\\n" + work_order_no in UTF-8
                                          [+ b"\\n" + beacon randomness, 32 bytes])

and only if D's commitment was published before the appeal was registered. When D is over,
its secret is published (``epoch.revealed``), and anyone can check the commitment and every
seed of that day. A secret is read only by ``seed_for`` until its reveal.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from ..enums import AuditKind, Refusal
from ..models import DrawEpoch
from ..refusals import Refused
from ..timeutil import local_date
from . import audit

SEED_LABEL = b"panel-seed-v1\n"
AHEAD_DAYS = 7


class EpochNotCommitted(Refused):
    """No commitment for the appeal's day was published before it was registered."""

    def __init__(self, day: date):
        super().__init__(Refusal.EPOCH_NOT_COMMITTED, day=day.isoformat())
        self.day = day


def commitment_of(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def seed(secret: bytes, work_order_no: str, beacon: bytes | None = None) -> bytes:
    """The published seed formula (module docstring)."""
    message = SEED_LABEL + work_order_no.encode("utf-8")
    if beacon is not None:
        message += b"\n" + beacon
    return hmac.new(secret, message, hashlib.sha256).digest()


def commit(*, session: Session, days: Iterable[date], actor: str, now: datetime) -> list[DrawEpoch]:
    """Fix the secrets of ``days`` not yet committed and publish their digests (one event)."""
    wanted = sorted(set(days))
    existing = set(
        session.exec(select(DrawEpoch.day).where(col(DrawEpoch.day).in_(wanted))).all()
    )
    created = []
    for day in (d for d in wanted if d not in existing):
        secret = secrets.token_bytes(32)
        created.append(
            DrawEpoch(day=day, secret=secret.hex(), commitment=commitment_of(secret),
                      committed_at=now)
        )  # fmt: skip
    if not created:
        return []
    session.add_all(created)
    session.flush()
    audit.record(
        session=session,
        kind=AuditKind.EPOCH_COMMITTED,
        actor=actor,
        now=now,
        data={"epochs": [{"day": e.day.isoformat(), "commitment": e.commitment} for e in created]},
    )
    return created


def commit_ahead(
    *, session: Session, now: datetime, days: int = AHEAD_DAYS, actor: str = "system"
) -> list[DrawEpoch]:
    """Commit today and the next ``days`` days, whichever are not committed yet."""
    today = local_date(now)
    return commit(
        session=session, days=(today + timedelta(n) for n in range(days + 1)), actor=actor, now=now
    )


def reveal_ended(*, session: Session, now: datetime, actor: str = "system") -> list[DrawEpoch]:
    """Publish the secret of every committed day that is over (one event for them all)."""
    ended = session.exec(
        select(DrawEpoch)
        .where(DrawEpoch.day < local_date(now), col(DrawEpoch.revealed_at).is_(None))
        .order_by(DrawEpoch.day)
        .with_for_update()
    ).all()
    for epoch in ended:
        epoch.revealed_at = now
        session.add(epoch)
    if ended:
        audit.record(
            session=session,
            kind=AuditKind.EPOCH_REVEALED,
            actor=actor,
            now=now,
            data={"epochs": [{"day": e.day.isoformat(), "secret": e.secret} for e in ended]},
        )
    return list(ended)


def epoch_for(*, session: Session, registered_at: datetime) -> DrawEpoch:
    """The epoch that seeds an appeal registered at ``registered_at``; EpochNotCommitted
    unless its commitment was published before then."""
    day = local_date(registered_at)
    epoch = session.get(DrawEpoch, day)
    if epoch is None or epoch.committed_at >= registered_at:
        raise EpochNotCommitted(day)
    return epoch


def seed_for(epoch: DrawEpoch, work_order_no: str, beacon: bytes | None = None) -> bytes:
    """The seed of a work order's draw (the one place a secret is read before its reveal)."""
    return seed(bytes.fromhex(epoch.secret), work_order_no, beacon)


def public_epoch(*, session: Session, day: str | None) -> dict | None:
    """One epoch as the public may see it (None for a draw made before epochs)."""
    epoch = session.get(DrawEpoch, date.fromisoformat(day)) if day else None
    return None if epoch is None else _public(epoch)


def _public(e: DrawEpoch) -> dict:
    return {
        "day": e.day.isoformat(),
        "commitment": e.commitment,
        "committed_at": audit.iso(e.committed_at),
        "secret": e.secret if e.revealed_at is not None else None,
        "revealed_at": audit.iso(e.revealed_at),
    }


def public_epochs(*, session: Session, since: date | None = None) -> list[dict]:
    """Every epoch as the public may see it: the secret only once revealed."""
    query = select(DrawEpoch).order_by(DrawEpoch.day)
    if since is not None:
        query = query.where(DrawEpoch.day >= since)
    return [_public(e) for e in session.exec(query)]
