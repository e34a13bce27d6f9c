"""What every SMS backend implements: the message it is handed and the one exception."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One rendered message handed to a backend; ``attempt`` fences the claim (see outbox)."""

    message_id: int
    attempt: int
    kind: str
    to: str
    body: str
    appeal: str | None  # the appeal's reference, for logs and the file backend


class SmsFailure(Exception):
    """The one exception a backend raises: ``permanent`` failures are not retried."""

    def __init__(self, detail: str, *, permanent: bool, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.code = code

    def describe(self) -> str:
        return f"{self.code}: {self.detail}" if self.code else self.detail


class SmsBackend(Protocol):
    name: str

    def send(self, message: Outgoing) -> str | None:
        """Hand the message to the provider; return its message id, or raise SmsFailure."""
