"""Keep link tokens out of logs: ``/v/<token>`` is written as ``/v/[token]``."""

from __future__ import annotations

import logging
import re

_TOKEN_PATH = re.compile(r"(/v/)[^/?#\s\"'<>]+")
REDACTED = r"\1[token]"


def redact(text: str) -> str:
    """The text with every panelist-link token cut out."""
    return _TOKEN_PATH.sub(REDACTED, text) if "/v/" in text else text


class RedactTokens(logging.Filter):
    """A filter that rewrites any record whose message contains a link token."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's business, not ours
            return True
        cut = redact(message)
        if cut != message:
            record.msg, record.args = cut, ()
        return True


def install(app) -> None:
    """Attach the filter to the app's logger and to werkzeug's request log (once each)."""
    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
