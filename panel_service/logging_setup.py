"""Logs: JSON lines in production, a request id on every line, no token or phone number.

Each request gets an id: the caller's ``X-Request-ID`` when it is a sane value (a reverse
proxy or the hotline platform may set one), else a fresh one. It is echoed in the answer's
``X-Request-ID`` header and written on every log line the request causes, so one failed
request can be followed from the proxy's log through ours.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

from .logredact import redact

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
# Mainland mobiles (+86 optional) and any other E.164 number: never written to a log.
_PHONE = re.compile(r"(?<![\w+])(?:\+?86[ -]?)?1[3-9]\d{9}(?!\d)|\+\d{8,15}(?!\d)")
# Attributes every LogRecord has; anything else on a record came from ``extra={...}``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
# ``extra`` keys whose values are credentials or personal data, dropped whatever they hold.
_SECRET_KEYS = {"token", "to", "mobile", "phone", "password", "authorization", "body"}


def scrub(text: str) -> str:
    """The text with link tokens and phone numbers cut out."""
    return _PHONE.sub("[phone]", redact(text))


def current_request_id() -> str | None:
    """This request's id, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Put the current request's id (or ``-``) on every record as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_") or key.lower() in _SECRET_KEYS:
                continue
            if not isinstance(value, int | float | bool | type(None)):
                value = scrub(str(value))
            entry[key] = value
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The human format for development, with the same scrubbing as the JSON one."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class PanelHandler(logging.StreamHandler):
    """The one handler this module installs on the root logger (replaced, never doubled)."""


def log_format(config) -> str:
    """``json`` or ``text``: PANEL_LOG_FORMAT, else JSON in production only."""
    return config.LOG_FORMAT or ("json" if config.is_production else "text")


def configure(config, stream=None) -> PanelHandler:
    """Send every logger's records to ``stream`` (stderr) in the configured format."""
    handler = PanelHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format(config) == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, PanelHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(config.LOG_LEVEL.upper())
    return handler


def _assign_request_id() -> None:
    asked = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = asked if _VALID_REQUEST_ID.fullmatch(asked) else uuid.uuid4().hex


def _echo_request_id(response):
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response


def init_app(app) -> None:
    """Give each request an id; configure logging unless testing (pytest owns it then)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _assign_request_id)
    app.after_request(_echo_request_id)
    config = app.config["PANEL_CONFIG"]
    if not config.TESTING:
        from flask.logging import default_handler

        configure(config)
        app.logger.removeHandler(default_handler)  # the root handler writes app.logger too
