"""What /readyz checks: the database answers, the schema is at head, the outbox keeps up."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, func, select

from . import migrate
from .enums import OutboxStatus
from .models import OutboxMessage

OVERDUE_AFTER = timedelta(minutes=10)  # a due message older than this means no worker runs


def readiness(*, session: Session, now: datetime, max_backlog: int) -> tuple[bool, dict]:
    """Run every check; returns (ready, details). Never raises for a database outage."""
    checks: dict[str, dict] = {}
    try:
        session.execute(sa.text("SELECT 1"))
        checks["database"] = {"ok": True}
    except sa.exc.SQLAlchemyError as exc:
        session.rollback()
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        return False, checks
    current = migrate.current_revision(session.connection())
    head = migrate.head_revision()
    checks["migrations"] = {"ok": current == head, "current": current, "head": head}
    backlog = session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at < now - OVERDUE_AFTER,
        )
    ).one()
    checks["outbox"] = {"ok": backlog <= max_backlog, "overdue": backlog, "max": max_backlog}
    session.rollback()
    return all(c["ok"] for c in checks.values()), checks
