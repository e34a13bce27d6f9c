"""Development backend: print each message."""

from __future__ import annotations

import sys
import uuid

from .base import Outgoing


class ConsoleBackend:
    name = "console"

    def __init__(self, stream=None, *, signature: str = "【12345热线】"):
        self.stream = stream
        self.signature = signature

    def send(self, message: Outgoing) -> str | None:
        """Print the message as it would arrive on the phone."""
        stream = self.stream or sys.stdout
        heading = f"--- SMS {message.kind} to {message.to} ({message.appeal})"
        stream.write(f"{heading}\n{message.text(self.signature)}\n")
        stream.flush()
        return f"console-{uuid.uuid4().hex}"
