"""The panel's rules, taken from configuration and handed to the domain."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from . import timeutil

_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)", re.ASCII)


def parse_clock(text: str) -> time:
    """A time of day written HH:MM (00:00-23:59); ValueError for anything else."""
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a time of day like 18:00: {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class QuietHours:
    """The nightly window, in the service zone, in which no SMS is sent (e.g. 21:00-08:00).

    ``start == end`` (or ``off``) means no quiet hours at all.
    """

    start: time | None = time(21, 0)
    end: time | None = time(8, 0)

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """``HH:MM-HH:MM``, or ``off`` / empty for none; ValueError otherwise."""
        if text.strip().lower() in {"", "off", "none"}:
            return cls(None, None)
        start, sep, end = text.partition("-")
        if not sep:
            raise ValueError(f"quiet hours must look like 21:00-08:00, got {text!r}")
        first, last = parse_clock(start), parse_clock(end)
        return cls(None, None) if first == last else cls(first, last)

    @property
    def off(self) -> bool:
        return self.start is None

    def __str__(self) -> str:
        return "off" if self.off else f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` falls inside the window (its start included, its end not)."""
        if self.off:
            return False
        clock = timeutil.localize(instant).time()
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def next_allowed(self, instant: datetime) -> datetime:
        """``instant`` itself outside the window; else the moment the window ends."""
        if not self.contains(instant):
            return instant
        today = timeutil.local_date(instant)
        if timeutil.localize(instant).time() >= self.end:
            today += timedelta(days=1)
        return timeutil.at_local(today, self.end)

    def last_end(self, instant: datetime) -> datetime | None:
        """When the most recent window ended at or before ``instant`` (None when off)."""
        if self.off:
            return None
        end_today = timeutil.at_local(timeutil.local_date(instant), self.end)
        return end_today if end_today <= instant else end_today - timedelta(days=1)


@dataclass(frozen=True)
class PanelRules:
    panel_size: int = 5
    majority: int = 3
    government_quota: int = 2  # at most this many government staff on one panel
    # The voting window: the end of the n-th working day after the invitation may first be
    # sent, at ``deadline_time``; with 0 working days, ``voting_hours`` clock hours instead.
    voting_workdays: int = 3
    deadline_time: time = time(18, 0)
    voting_hours: int = 72
    # Reminders: at ``reminder_time`` on the last working day before the deadline; in the
    # hours mode, ``reminder_hours`` before it.
    reminder_time: time = time(9, 0)
    reminder_hours: int = 24
    max_replacement_rounds: int = 3  # deadline rounds of replacing non-responders, then stall
    sms_max_attempts: int = 8  # tries of one message before it is given up
    beacon: bool = False  # draws wait for the public beacon's first round after registration
    quiet_hours: QuietHours = field(default_factory=QuietHours)

    @property
    def in_workdays(self) -> bool:
        return self.voting_workdays > 0

    @property
    def voting_window(self) -> timedelta:
        """The window of the hours mode (``voting_workdays == 0``)."""
        return timedelta(hours=self.voting_hours)

    @property
    def reminder_lead(self) -> timedelta:
        return timedelta(hours=self.reminder_hours)

    @classmethod
    def from_config(cls, config) -> PanelRules:
        return cls(
            panel_size=config.PANEL_SIZE,
            majority=config.MAJORITY,
            government_quota=config.GOVERNMENT_QUOTA,
            voting_workdays=config.VOTING_WORKDAYS,
            deadline_time=parse_clock(config.VOTING_DEADLINE_TIME),
            voting_hours=config.VOTING_HOURS,
            reminder_time=parse_clock(config.REMINDER_TIME),
            reminder_hours=config.REMINDER_HOURS,
            max_replacement_rounds=config.MAX_REPLACEMENT_ROUNDS,
            sms_max_attempts=config.SMS_MAX_ATTEMPTS,
            beacon=bool(config.BEACON_URL),
            quiet_hours=QuietHours.parse(config.SMS_QUIET_HOURS),
        )
