"""What the worker does for the public record on every pass, and its settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from ..enums import AppealStatus, AuditKind
from ..models import Appeal, AuditEvent
from . import checkpoints
from .beacon import Beacon
from .checkpoints import Signer


@dataclass(frozen=True)
class RecordSettings:
    days_ahead: int = 7
    checkpoint_every: timedelta = timedelta(minutes=10)
    signer: Signer | None = None
    beacon: Beacon | None = None

    @classmethod
    def from_config(cls, config) -> RecordSettings:
        return cls(
            days_ahead=config.EPOCH_DAYS_AHEAD,
            checkpoint_every=timedelta(minutes=config.CHECKPOINT_MINUTES),
            signer=(
                Signer.from_file(config.AUDIT_SIGNING_KEY_FILE)
                if config.AUDIT_SIGNING_KEY_FILE
                else None
            ),
            beacon=(
                Beacon(config.BEACON_URL, timeout=config.BEACON_TIMEOUT)
                if config.BEACON_URL
                else None
            ),
        )


def checkpoint_due(*, session: Session, every: timedelta, now: datetime) -> bool:
    """Whether to sign now: none yet, the interval passed, or an appeal was decided since."""
    last = checkpoints.latest(session)
    if last is None:
        return True
    if now - last.at >= every:
        return True
    decided = session.exec(
        select(AuditEvent.id)
        .where(AuditEvent.kind == AuditKind.DECISION, AuditEvent.at > last.at)
        .limit(1)
    ).first()
    return decided is not None


def waiting_for_the_beacon(*, session: Session) -> list[Appeal]:
    return list(
        session.exec(
            select(Appeal)
            .where(Appeal.status == AppealStatus.DRAWING)
            .order_by(col(Appeal.submitted_at), Appeal.id)
        )
    )
