"""What every SMS backend implements: the message it is handed and the one exception.

A message is its *kind* and its *parameters* (the template's variables: the appeal's
reference, the deadline as people read it, the link's token), never a finished body:
mainland providers send only pre-approved templates and take the variables alone, while
the console, file and Twilio backends write the whole text from the project's own
templates (``messaging/messages.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ....enums import SmsFault
from ... import messages


@dataclass(frozen=True)
class Outgoing:
    """One claimed message; ``attempt`` fences the claim (see outbox)."""

    message_id: int
    attempt: int
    kind: str
    to: str
    params: dict[str, str]  # ref, deadline, token (the token only for seat messages)
    appeal: str | None  # the appeal's reference, for logs and the file backend
    base_url: str = ""  # where links point (PANEL_PUBLIC_BASE_URL), for writing the text
    # The provider whose answer to an earlier attempt never came: ask it first.
    unconfirmed_provider: str | None = None
    unconfirmed_since: datetime | None = field(default=None, compare=False)

    def text(self, signature: str) -> str:
        """The whole text, for backends that write it themselves (console, file, Twilio)."""
        return messages.render(
            self.kind, signature=signature, params=self.params, base_url=self.base_url
        )


class SmsFailure(Exception):
    """The one exception a backend raises; ``fault`` says what happens next."""

    def __init__(
        self,
        detail: str,
        *,
        permanent: bool = False,
        code: str | None = None,
        fault: SmsFault | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.fault = fault or (SmsFault.NUMBER if permanent else SmsFault.TRANSIENT)
        self.code = code

    @property
    def permanent(self) -> bool:
        """The number itself cannot take texts (its seat is handed on)."""
        return self.fault == SmsFault.NUMBER

    def describe(self) -> str:
        return f"{self.code}: {self.detail}" if self.code else self.detail


class SmsBackend(Protocol):
    name: str

    def send(self, message: Outgoing) -> str | None:
        """Hand the message to the provider; return its message id, or raise SmsFailure."""


class Confirming(Protocol):
    """A backend that can tell whether it took a message whose answer was lost."""

    def lookup(self, message: Outgoing) -> str | None:
        """The provider's id of ``message`` if it took it, None if it did not; raise
        SmsFailure when it cannot tell now."""
