"""The panel's rules, taken from configuration and handed to the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class PanelRules:
    panel_size: int = 5
    majority: int = 3
    government_quota: int = 2  # at most this many government staff on one panel
    voting_hours: int = 72
    reminder_hours: int = 24  # remind non-voters this long before their deadline
    max_replacement_rounds: int = 3  # deadline rounds of replacing non-responders, then stall
    sms_max_attempts: int = 8  # tries of one message before it is given up
    beacon: bool = False  # draws wait for the public beacon's first round after registration

    @property
    def voting_window(self) -> timedelta:
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
            voting_hours=config.VOTING_HOURS,
            reminder_hours=config.REMINDER_HOURS,
            max_replacement_rounds=config.MAX_REPLACEMENT_ROUNDS,
            sms_max_attempts=config.SMS_MAX_ATTEMPTS,
            beacon=bool(config.BEACON_URL),
        )
