"""Configuration, read once from ``PANEL_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production


class ConfigError(RuntimeError):
    """The environment does not describe a service that may start."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass
class Config:
    """Settings of one running service; every field maps to ``PANEL_<NAME>``."""

    ENV: str = "development"
    DATABASE_URL: str = f"sqlite:///{PROJECT_ROOT / 'instance' / 'panel.db'}"
    SECRET_KEY: str = ""
    SECRET_KEY_FALLBACKS: list[str] = field(default_factory=list)
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    TIMEZONE: str = "Asia/Shanghai"
    PANEL_SIZE: int = 5
    MAJORITY: int = 3
    GOVERNMENT_QUOTA: int = 2
    VOTING_HOURS: int = 72
    SMS_BACKEND: str = "console"
    SMS_SIGNATURE: str = "【12345热线】"
    RATELIMIT_STORAGE_URL: str = "memory://"
    TESTING: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Config:
        """Build a config from the environment, then apply keyword overrides."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = environ.get(f"PANEL_{f.name}")
            if raw is None:
                continue
            if f.type == "int":
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise ConfigError(f"PANEL_{f.name} must be an integer, got {raw!r}") from exc
            elif f.type == "bool":
                values[f.name] = _bool(raw)
            elif f.type == "list[str]":
                values[f.name] = _list(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        config = cls(**values)
        config.validate()
        return config

    @property
    def is_production(self) -> bool:
        return self.ENV == "production"

    def validate(self) -> None:
        """Refuse settings that would make an unfair or insecure service."""
        if self.ENV not in {"development", "production", "testing"}:
            raise ConfigError("PANEL_ENV must be development, production or testing")
        if self.is_production:
            if not self.SECRET_KEY:
                raise ConfigError("PANEL_SECRET_KEY is required in production")
            if self.SECRET_KEY == DEMO_SECRET_KEY or len(self.SECRET_KEY) < 32:
                raise ConfigError(
                    "PANEL_SECRET_KEY must be a random value of at least 32 characters "
                    "in production, not the demo key"
                )
        elif not self.SECRET_KEY:
            self.SECRET_KEY = DEMO_SECRET_KEY
        if not 0 < self.MAJORITY <= self.PANEL_SIZE or 2 * self.MAJORITY <= self.PANEL_SIZE:
            raise ConfigError("PANEL_MAJORITY must be a strict majority of PANEL_PANEL_SIZE")
        if not 0 <= self.GOVERNMENT_QUOTA <= self.PANEL_SIZE:
            raise ConfigError("PANEL_GOVERNMENT_QUOTA must be between 0 and the panel size")
        if self.VOTING_HOURS <= 0:
            raise ConfigError("PANEL_VOTING_HOURS must be positive")

    def flask_mapping(self) -> dict:
        """The settings as Flask config keys (plus Flask's own names)."""
        mapping = {f"PANEL_{f.name}": getattr(self, f.name) for f in fields(self)}
        mapping["SECRET_KEY"] = self.SECRET_KEY
        mapping["SECRET_KEY_FALLBACKS"] = list(self.SECRET_KEY_FALLBACKS)
        mapping["TESTING"] = self.TESTING
        mapping["PANEL_CONFIG"] = self
        return mapping
