"""Demo and end-to-end backend: append one JSON object per message to a file."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from .... import timeutil
from .base import Outgoing, SmsFailure


class FileBackend:
    name = "file"

    def __init__(self, path: str | os.PathLike, *, signature: str = "【12345热线】"):
        self.path = Path(path)
        self.signature = signature

    def send(self, message: Outgoing) -> str | None:
        """Append ``to``, ``body``, ``kind``, ``appeal`` and ``sent_at`` as one JSON line."""
        line = json.dumps(
            {
                "to": message.to,
                "body": message.text(self.signature),
                "kind": message.kind,
                "appeal": message.appeal,
                "sent_at": timeutil.now().isoformat(),
            },
            ensure_ascii=False,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write of a whole line in append mode, so workers never interleave lines.
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except OSError as exc:
            raise SmsFailure(f"cannot append to the SMS file: {exc}", permanent=False) from exc
        return f"file-{uuid.uuid4().hex}"
