"""UTC storage and the one clock the domain reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator):
    """Store naive UTC, hand back aware UTC, on every database alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the service stores aware UTC times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def _system_now() -> datetime:
    return datetime.now(UTC)


# Tests and the worker's dry runs replace this to move time; everything reads now().
_clock: Callable[[], datetime] = _system_now


def now() -> datetime:
    """Current time, aware UTC, from the injectable clock."""
    return _clock()


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Install a clock (None restores the system clock)."""
    global _clock
    _clock = clock or _system_now


def localize(value: datetime | None, tz_name: str = "Asia/Shanghai") -> datetime | None:
    """The given aware time in the display time zone."""
    return None if value is None else value.astimezone(ZoneInfo(tz_name))
