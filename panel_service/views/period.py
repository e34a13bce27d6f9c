"""The period filter shared by the admin reports: local dates in, UTC instants out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import request

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
    """Read ``start``/``end`` (YYYY-MM-DD, local days) from the query; default: the last year."""
    today = timeutil.local_today()
    error = None
    try:
        end_raw, start_raw = request.args.get("end"), request.args.get("start")
        end_date = timeutil.parse_date(end_raw) if end_raw else today
        start_date = (
            timeutil.parse_date(start_raw) if start_raw else end_date - timedelta(days=default_days)
        )
    except ValueError:
        error = "invalid_date"
        start_date, end_date = today - timedelta(days=default_days), today
    if start_date > end_date:
        error = "start_after_end"
        start_date, end_date = end_date, start_date
    start, end = timeutil.day_range(start_date, end_date)
    return Period(start_date, end_date, start, end, error)
