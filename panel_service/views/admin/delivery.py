"""Delivery problems: each SMS provider's health, texts and webhooks that failed or are
being retried, and the numbers the provider reported unreachable."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ... import timeutil
from ...appeals import listing
from ...db import get_session
from ...membership import panelists
from ...messaging import outbox, providers
from ...rules import QuietHours

bp = Blueprint("delivery", __name__)


@bp.get("/outbox")
def index():
    """List texts and webhooks that failed or are being retried, with attempts and errors."""
    session = get_session()
    messages = outbox.problems(session=session)
    references = listing.references(session=session, appeal_ids=[m.appeal_id for m in messages])
    failing = panelists.failing_numbers(session=session)
    config = current_app.config["PANEL_CONFIG"]
    now = timeutil.now()
    health = [
        (row, providers.is_available(row, now))
        for row in providers.health(session=session, names=config.sms_backends)
    ]
    quiet = QuietHours.parse(config.SMS_QUIET_HOURS)
    return render_template(
        "admin/outbox.html", messages=messages, references=references, failing=failing,
        health=health, quiet=quiet, quiet_now=quiet.contains(now),
    )  # fmt: skip
