"""SMS clients, one per provider, behind one small interface (``base``); the registry below
builds them from configuration, so a new provider is a module here and a line in it.

May import: the foundations, ``base`` and ``messaging.messages`` (the texts); the outbox
never imports a client directly.
"""

from __future__ import annotations

from .aliyun_codes import is_permanent_code as aliyun_permanent
from .base import Outgoing, SmsBackend, SmsFailure
from .console import ConsoleBackend
from .file import FileBackend
from .twilio import TwilioBackend
from .twilio import is_permanent_code as twilio_permanent

__all__ = [
    "Outgoing", "SmsBackend", "SmsFailure", "make_backend", "make_backends",
    "receipt_code_is_permanent",
]  # fmt: skip

BACKENDS = {
    "console": lambda config: ConsoleBackend(signature=config.SMS_SIGNATURE),
    "file": lambda config: FileBackend(config.SMS_FILE, signature=config.SMS_SIGNATURE),
    "twilio": TwilioBackend.from_config,
    "aliyun": lambda config: _aliyun().from_config(config),
}
PERMANENT_RECEIPT_CODES = {"twilio": twilio_permanent, "aliyun": aliyun_permanent}


def _aliyun():
    # The SDK is loaded only where the provider is configured (it costs a worker's start).
    from .aliyun import AliyunBackend

    return AliyunBackend


def make_backends(config) -> dict[str, SmsBackend]:
    """Every provider of ``PANEL_SMS_BACKENDS`` (or ``PANEL_SMS_BACKEND``), in order."""
    try:
        return {name: BACKENDS[name](config) for name in config.sms_backends}
    except KeyError as exc:
        raise ValueError(f"unknown SMS backend {exc.args[0]!r}") from None


def make_backend(config) -> SmsBackend:
    """The first configured provider."""
    return next(iter(make_backends(config).values()))


def receipt_code_is_permanent(provider: str | None, code: str | None) -> bool:
    """Whether a delivery report's error code from ``provider`` condemns the number."""
    check = PERMANENT_RECEIPT_CODES.get(provider or "twilio")
    return bool(check and check(code))
