"""The period filter shared by the admin reports: local dates in, UTC instants out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, request

from .. import timeutil


@dataclass
class Period:
    start_date: date
    end_date: date  # inclusive, as people say "to 30 June"
    start: datetime
    end: datetime  # exclusive, UTC
    error: str | None = None

    def query(self) -> dict[str, str]:
        return {"start": self.start_date.isoformat(), "end": self.end_date.isoformat()}


def period_from_request(default_days: int = 365) -> Period:
    """Read ``start``/``end`` (YYYY-MM-DD, local) from the query; default: the last year."""
    zone = ZoneInfo(current_app.config["PANEL_TIMEZONE"])
    today = timeutil.now().astimezone(zone).date()
    error = None
    try:
        end_date = date.fromisoformat(request.args.get("end") or today.isoformat())
        start_date = date.fromisoformat(
            request.args.get("start") or (end_date - timedelta(days=default_days)).isoformat()
        )
    except ValueError:
        error = "invalid_date"
        start_date, end_date = today - timedelta(days=default_days), today
    if start_date > end_date:
        error = "start_after_end"
        start_date, end_date = end_date, start_date

    def to_utc(day: date) -> datetime:
        return datetime.combine(day, time.min, zone).astimezone(UTC)

    return Period(start_date, end_date, to_utc(start_date), to_utc(end_date + timedelta(1)), error)
