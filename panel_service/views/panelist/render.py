"""What every panelist page shares: its headers, its template helpers, the dead-link page."""

from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _

from ...appeals.masking import mask
from ...db import get_session
from ...panel.lifecycle import OPINION_MAX, OPINION_MIN
from ...record import seals
from ...record.public import code
from .. import dates

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def security_headers(response):
    """The link pages' headers: nothing cached, nothing framed, nothing loaded from away."""
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
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
        "translations": get_translations(),  # once per page, not per {{ _() }}
    }


def page(template: str, status: int = 200, **context):
    """Render a panelist page (the helpers are passed, so every child blueprint can)."""
    end_reads()
    return make_response(
        render_template(f"panelist/{template}", **{**helpers(), **context}), status
    )


def end_reads() -> None:
    """End a read-only transaction before rendering: on SQLite it holds the write lock
    (BEGIN IMMEDIATE), on PostgreSQL a pooled connection, and rendering needs neither."""
    session = get_session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()  # expire_on_commit=False: the loaded rows stay readable


def message(kind: str, status: int, **context):
    return page("message.html", status, kind=kind, **context)


def dead_link():
    """The page for a link that does not work.

    Whatever is refused through a link (a forged token, a file not to be had) answers this
    page, so the refusal tells nothing about what exists.
    """
    return message("invalid", 404)
