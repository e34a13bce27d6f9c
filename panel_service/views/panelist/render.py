"""What every panelist page shares: its headers, its template helpers, the dead-link page."""

from __future__ import annotations

import functools

from flask import g, make_response, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ...appeals.masking import mask
from ...panel.lifecycle import OPINION_MAX, OPINION_MIN
from ...record import seals
from ...record.public import code
from .. import compiled_i18n, dates
from ..security import set_headers

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


# The link pages' headers: nothing cached, nothing framed, nothing loaded from away.
HEADERS = (
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
)


def security_headers(response):
    """Give a link page its headers (these replace any the view set; the CSP is a default)."""
    set_headers(response, replacing=HEADERS, defaults=(("Content-Security-Policy", CSP),))
    response.vary.add("Accept-Language")
    return response


def when(value) -> str:
    """A time as every page shows it, saying which clock: panelists may be anywhere."""
    return _("%(time)s (Beijing time)", time=dates.when(value))


def seat_deadline(value) -> str:
    """A seat's deadline as its SMS said it, e.g. 9月27日（周六）18:00（北京时间）."""
    return _("%(time)s (Beijing time)", time=dates.deadline(value))


def lang_args() -> dict:
    lang = request.args.get("lang")
    return {"lang": lang} if lang else {}


@functools.lru_cache(maxsize=8)
def _stylesheet(script_root: str) -> str:
    # The same for every page under one mount point: built once, not per page view.
    return url_for("static", filename="panelist.css")


def helpers() -> dict:
    return {
        "mask": mask,
        "seal_short": seals.short,
        "public_code": code,
        "when": when,
        "deadline": seat_deadline,
        "lang_args": lang_args(),
        "locale": str(get_locale() or "zh"),
        "opinion_limits": (OPINION_MIN, OPINION_MAX),
        "stylesheet": _stylesheet(request.script_root),
    }


def page(template: str, status: int = 200, **context):
    """Render a panelist page (the helpers are passed, so every child blueprint can)."""
    end_reads()
    shared = helpers()
    # The link pages use nothing the app's context processors add: rendered without them.
    rendered = compiled_i18n.render_lean(
        f"panelist/{template}", {**shared, **context}, locale=shared["locale"]
    )
    return make_response(rendered, status)


def end_reads() -> None:
    """End a transaction that has only read before rendering: on SQLite a POST's holds the
    write lock (BEGIN IMMEDIATE), on PostgreSQL a pooled connection, and rendering needs
    neither. (A page view reads outside the session: nothing to end.)"""
    session = g.get("db_session")
    if session is not None and session.in_transaction() and not (
        session.new or session.dirty or session.deleted
    ):
        session.commit()  # expire_on_commit=False: the loaded rows stay readable


def message(kind: str, status: int, **context):
    return page("message.html", status, kind=kind, **context)


def dead_link():
    """The page for a link that does not work.

    Whatever is refused through a link (a forged token, a file not to be had) answers this
    page, so the refusal tells nothing about what exists.
    """
    return message("invalid", 404)
