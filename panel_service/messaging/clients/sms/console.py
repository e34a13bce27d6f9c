"""Development backend: print each message."""

from __future__ import annotations

import sys
import uuid

from .base import Outgoing


class ConsoleBackend:
    name = "console"

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, message: Outgoing) -> str | None:
        """Print the message as it would arrive on the phone."""
        stream = self.stream or sys.stdout
        stream.write(f"--- SMS {message.kind} to {message.to} ({message.appeal})\n{message.body}\n")
        stream.flush()
        return f"console-{uuid.uuid4().hex}"
