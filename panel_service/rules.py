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

    @property
    def voting_window(self) -> timedelta:
        return timedelta(hours=self.voting_hours)

    @classmethod
    def from_config(cls, config) -> PanelRules:
        return cls(
            panel_size=config.PANEL_SIZE,
            majority=config.MAJORITY,
            government_quota=config.GOVERNMENT_QUOTA,
            voting_hours=config.VOTING_HOURS,
        )
