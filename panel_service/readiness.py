"""What /readyz checks: the database answers, the schema is at head, the outbox keeps up;
and what it reports without failing: the SMS providers' health and the calendar's coverage.

Only the first three decide whether the instance is ready (a load balancer acts on that):
a provider set aside or a year the official calendar does not cover yet does not stop
this instance serving pages, so they are reported (``ok: false``, and listed in
``warnings``) for monitoring and admins, without a 503.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, func, or_, select

from . import migrate
from .enums import OutboxChannel, OutboxStatus
from .messaging import providers
from .models import OutboxMessage
from .panel import workdays
from .rules import QuietHours

OVERDUE_AFTER = timedelta(minutes=10)  # a due message older than this means no worker runs


def _sms_may_be_late(now: datetime, quiet: QuietHours) -> bool:
    """Whether SMS could have been sent for the whole of the last ``OVERDUE_AFTER``."""
    if quiet.contains(now):
        return False
    ended = quiet.last_end(now)
    return ended is None or ended <= now - OVERDUE_AFTER


def readiness(
    *,
    session: Session,
    now: datetime,
    max_backlog: int,
    sms_providers: list[str] | None = None,
    quiet_hours: QuietHours | None = None,
) -> tuple[bool, dict]:
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
    if current != head:
        session.rollback()
        return False, checks  # the tables below may not exist yet
    overdue = [OutboxMessage.channel == OutboxChannel.WEBHOOK]
    if _sms_may_be_late(now, quiet_hours or QuietHours()):
        overdue.append(OutboxMessage.channel == OutboxChannel.SMS)  # not at night
    backlog = session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at < now - OVERDUE_AFTER,
            or_(*overdue),
        )
    ).one()
    checks["outbox"] = {"ok": backlog <= max_backlog, "overdue": backlog, "max": max_backlog}
    ready = all(c["ok"] for c in checks.values())
    names = sms_providers or []
    rows = providers.health(session=session, names=names)
    checks["sms_providers"] = {
        "ok": all(providers.is_available(r, now) for r in rows),
        "providers": {
            r.name: {
                "available": providers.is_available(r, now),
                "fault": r.fault if not providers.is_available(r, now) else None,
                "consecutive_failures": r.consecutive_failures,
            }
            for r in rows
        },
    }
    coverage = workdays.coverage(session=session, now=now)
    checks["calendar"] = {
        "ok": coverage.ok,
        "uncovered_years": list(coverage.uncovered),
        "overrides": coverage.overrides,
        "fallback": "Monday to Friday" if coverage.uncovered else None,
    }
    session.rollback()
    return ready, checks


def warnings(checks: dict) -> list[str]:
    """The reported checks that are not ok (they do not make the instance unready)."""
    return [name for name in ("sms_providers", "calendar") if not checks.get(name, {}).get("ok")]
