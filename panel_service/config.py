"""Configuration, read once from ``PANEL_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from . import timeutil
from .config_sms import sms_settings_problem
from .rules import QuietHours, parse_clock

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
    TIMEZONE: str = timeutil.DEFAULT_TIMEZONE  # calendar dates (terms, pledges) are days here
    PANEL_SIZE: int = 5
    MAJORITY: int = 3
    GOVERNMENT_QUOTA: int = 2
    VOTING_WORKDAYS: int = 3  # 0: the window is VOTING_HOURS clock hours instead
    VOTING_DEADLINE_TIME: str = "18:00"
    VOTING_HOURS: int = 72
    REMINDER_TIME: str = "09:00"
    SMS_BACKEND: str = "console"
    SMS_BACKENDS: list[str] = field(default_factory=list)  # in order; empty: [SMS_BACKEND]
    SMS_QUIET_HOURS: str = "21:00-08:00"
    SMS_FAILOVER_AFTER: int = 3  # transient failures in a row that put a provider aside
    SMS_COOLDOWN: int = 300  # seconds a provider put aside is skipped
    SMS_SIGNATURE: str = "【12345热线】"
    SMS_FILE: str = str(PROJECT_ROOT / "instance" / "sms.jsonl")
    SMS_MAX_ATTEMPTS: int = 8
    TWILIO_ACCOUNT_SID: str = ""
    TWILIO_AUTH_TOKEN: str = ""
    TWILIO_FROM: str = ""
    TWILIO_MESSAGING_SERVICE_SID: str = ""
    TWILIO_TIMEOUT: int = 10
    ALIYUN_ACCESS_KEY_ID: str = ""
    ALIYUN_ACCESS_KEY_SECRET: str = ""
    ALIYUN_SIGN_NAME: str = ""
    ALIYUN_TEMPLATE_INVITATION: str = ""
    ALIYUN_TEMPLATE_REMINDER: str = ""
    ALIYUN_TEMPLATE_REPLACEMENT_INVITATION: str = ""
    ALIYUN_TEMPLATE_WITHDRAWN_NOTICE: str = ""
    ALIYUN_ENDPOINT: str = "dysmsapi.aliyuncs.com"
    ALIYUN_PROTOCOL: str = "https"
    ALIYUN_TIMEOUT: int = 10
    ALIYUN_RECEIPT_SECRET: str = ""
    ALIYUN_POLL_AFTER: int = 900  # seconds without a receipt before QuerySendDetails is asked
    REMINDER_HOURS: int = 24
    MAX_REPLACEMENT_ROUNDS: int = 3
    WORKER_INTERVAL: int = 5
    RATELIMIT_STORAGE_URL: str = "memory://"
    RATELIMIT_KEY_PREFIX: str = "panel"  # Redis keys: one prefix per deployment sharing it
    RATELIMIT_ENABLED: bool = True  # off only for load benchmarks (bench/)
    READY_MAX_OUTBOX_BACKLOG: int = 100
    # The public record: draw epochs, checkpoints and the optional beacon (record/).
    EPOCH_DAYS_AHEAD: int = 7
    CHECKPOINT_MINUTES: int = 10
    AUDIT_SIGNING_KEY_FILE: str = ""
    BEACON_URL: str = ""  # drand HTTP API v2 chain URL, e.g. https://api.drand.sh/v2/beacons/quicknet
    BEACON_TIMEOUT: int = 5
    WEBHOOK_URL: str = ""
    WEBHOOK_SECRET: str = ""
    WEBHOOK_TIMEOUT: int = 10
    ATTACHMENT_DIR: str = str(PROJECT_ROOT / "instance" / "attachments")
    MAX_UPLOAD_MB: int = 55  # a whole appeal form: 5 attachments of 10 MB plus the text
    ROSTER_MAX_ROWS: int = 2000  # rows a roster file may have (a whole panel, several times)
    API_MAX_BODY: int = 256 * 1024
    LOG_FORMAT: str = ""  # json or text; empty: JSON lines in production, text elsewhere
    LOG_LEVEL: str = "INFO"
    # How many proxies in front of us set each X-Forwarded-* header (0: trust none).
    PROXY_FIX_X_FOR: int = 0
    PROXY_FIX_X_PROTO: int = 0
    PROXY_FIX_X_HOST: int = 0
    PROXY_FIX_X_PORT: int = 0
    PROXY_FIX_X_PREFIX: int = 0
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

    @property
    def sms_backends(self) -> list[str]:
        """The SMS providers in the order they are tried."""
        return list(self.SMS_BACKENDS) or [self.SMS_BACKEND]

    @property
    def sms_timeout(self) -> int | None:
        """The longest HTTP timeout of the configured providers (None: none calls out)."""
        timeouts = {"twilio": self.TWILIO_TIMEOUT, "aliyun": self.ALIYUN_TIMEOUT}
        found = [timeouts[name] for name in self.sms_backends if name in timeouts]
        return max(found) if found else None

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
        if not 0 <= self.VOTING_WORKDAYS <= 30:
            raise ConfigError("PANEL_VOTING_WORKDAYS must be between 0 (use hours) and 30")
        for name in ("VOTING_DEADLINE_TIME", "REMINDER_TIME"):
            try:
                parse_clock(getattr(self, name))
            except ValueError:
                raise ConfigError(f"PANEL_{name} must be a time of day like 18:00") from None
        try:
            QuietHours.parse(self.SMS_QUIET_HOURS)
        except ValueError:
            raise ConfigError(
                "PANEL_SMS_QUIET_HOURS must look like 21:00-08:00 (or off)"
            ) from None
        try:
            timeutil.zone_named(self.TIMEZONE)
        except ValueError:
            raise ConfigError(
                f"PANEL_TIMEZONE must be an IANA time zone such as Asia/Shanghai, "
                f"got {self.TIMEZONE!r}"
            ) from None
        self._validate_sms()
        self._validate_web()
        self._validate_record()

    def _validate_record(self) -> None:
        if self.is_production and not self.AUDIT_SIGNING_KEY_FILE:
            raise ConfigError(
                "PANEL_AUDIT_SIGNING_KEY_FILE is required in production: the checkpoints of"
                " the audit trail are signed with it (`panel audit keygen FILE` makes one)"
            )
        if self.AUDIT_SIGNING_KEY_FILE and not Path(self.AUDIT_SIGNING_KEY_FILE).is_file():
            raise ConfigError(
                f"PANEL_AUDIT_SIGNING_KEY_FILE {self.AUDIT_SIGNING_KEY_FILE} is not a file"
            )
        if not 1 <= self.EPOCH_DAYS_AHEAD <= 60:
            raise ConfigError("PANEL_EPOCH_DAYS_AHEAD must be between 1 and 60")
        if not 1 <= self.CHECKPOINT_MINUTES <= 1440:
            raise ConfigError("PANEL_CHECKPOINT_MINUTES must be between 1 and 1440")
        if self.BEACON_URL and not self.BEACON_URL.startswith(("https://", "http://")):
            raise ConfigError("PANEL_BEACON_URL must be an http(s) URL")
        if self.is_production and self.BEACON_URL.startswith("http://"):
            raise ConfigError("PANEL_BEACON_URL must use https in production")
        if not 1 <= self.BEACON_TIMEOUT <= 60:
            raise ConfigError("PANEL_BEACON_TIMEOUT must be between 1 and 60 seconds")

    def _validate_web(self) -> None:
        if self.WEBHOOK_URL and not self.WEBHOOK_URL.startswith(("https://", "http://")):
            raise ConfigError("PANEL_WEBHOOK_URL must be an http(s) URL")
        if self.WEBHOOK_URL and len(self.WEBHOOK_SECRET) < 16:
            raise ConfigError("PANEL_WEBHOOK_SECRET of 16+ characters is needed with a webhook URL")
        if (
            self.is_production
            and self.RATELIMIT_ENABLED
            and self.RATELIMIT_STORAGE_URL.startswith("memory://")
        ):
            # Each gunicorn worker would count alone, multiplying every limit.
            raise ConfigError(
                "PANEL_RATELIMIT_STORAGE_URL must be shared (e.g. redis://...) in production"
            )
        if self.is_production and self.WEBHOOK_URL.startswith("http://"):
            raise ConfigError("PANEL_WEBHOOK_URL must use https in production")
        if not 0 < self.WEBHOOK_TIMEOUT <= 60:
            raise ConfigError("PANEL_WEBHOOK_TIMEOUT must be between 1 and 60 seconds")
        if self.MAX_UPLOAD_MB < 1 or self.API_MAX_BODY < 1024:
            raise ConfigError("PANEL_MAX_UPLOAD_MB and PANEL_API_MAX_BODY are too small")
        if self.ROSTER_MAX_ROWS < 1:
            raise ConfigError("PANEL_ROSTER_MAX_ROWS must be at least 1")
        if self.LOG_FORMAT not in {"", "json", "text"}:
            raise ConfigError("PANEL_LOG_FORMAT must be json or text")
        if self.LOG_LEVEL.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError("PANEL_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")

    def _validate_sms(self) -> None:
        problem = sms_settings_problem(self)
        if problem:
            raise ConfigError(problem)
        if not self.VOTING_WORKDAYS and not 0 < self.REMINDER_HOURS < self.VOTING_HOURS:
            raise ConfigError("PANEL_REMINDER_HOURS must be positive and below the voting window")
        if self.MAX_REPLACEMENT_ROUNDS < 0:
            raise ConfigError("PANEL_MAX_REPLACEMENT_ROUNDS must not be negative")
        if self.SMS_MAX_ATTEMPTS < 1:
            raise ConfigError("PANEL_SMS_MAX_ATTEMPTS must be at least 1")
        if self.WORKER_INTERVAL < 1:
            raise ConfigError("PANEL_WORKER_INTERVAL must be at least 1 second")

    def flask_mapping(self) -> dict:
        """The settings as Flask config keys (plus Flask's own names)."""
        mapping = {f"PANEL_{f.name}": getattr(self, f.name) for f in fields(self)}
        mapping["SECRET_KEY"] = self.SECRET_KEY
        mapping["SECRET_KEY_FALLBACKS"] = list(self.SECRET_KEY_FALLBACKS)
        mapping["TESTING"] = self.TESTING
        mapping["MAX_CONTENT_LENGTH"] = self.MAX_UPLOAD_MB * 1024 * 1024
        # Session cookies: never readable by scripts, not sent on cross-site posts, and
        # only over HTTPS in production.
        mapping["SESSION_COOKIE_HTTPONLY"] = True
        mapping["SESSION_COOKIE_SAMESITE"] = "Lax"
        mapping["SESSION_COOKIE_SECURE"] = self.is_production
        mapping["REMEMBER_COOKIE_HTTPONLY"] = True
        mapping["REMEMBER_COOKIE_SAMESITE"] = "Lax"
        mapping["REMEMBER_COOKIE_SECURE"] = self.is_production
        mapping["PANEL_CONFIG"] = self
        return mapping
