"""SMS clients, one per provider, behind one small interface (``base``); the registry below
chooses one from configuration, so a new provider is a module here and a line in it.

May import: the foundations and ``base``; the outbox never imports a client directly.
"""

from __future__ import annotations

from .base import Outgoing, SmsBackend, SmsFailure
from .console import ConsoleBackend
from .file import FileBackend
from .twilio import TwilioBackend

__all__ = ["Outgoing", "SmsBackend", "SmsFailure", "make_backend"]

BACKENDS = {
    "console": lambda config: ConsoleBackend(),
    "file": lambda config: FileBackend(config.SMS_FILE),
    "twilio": TwilioBackend.from_config,
}


def make_backend(config) -> SmsBackend:
    """The backend ``PANEL_SMS_BACKEND`` names, configured from ``config``."""
    try:
        return BACKENDS[config.SMS_BACKEND](config)
    except KeyError:
        raise ValueError(f"unknown SMS backend {config.SMS_BACKEND!r}") from None
