"""Delivery problems: texts and webhooks that failed or are being retried, and the numbers
the provider reported unreachable."""

from __future__ import annotations

from flask import Blueprint, render_template

from ...appeals import listing
from ...db import get_session
from ...membership import panelists
from ...messaging import outbox

bp = Blueprint("delivery", __name__)


@bp.get("/outbox")
def index():
    """List texts and webhooks that failed or are being retried, with attempts and errors."""
    session = get_session()
    messages = outbox.problems(session=session)
    references = listing.references(session=session, appeal_ids=[m.appeal_id for m in messages])
    failing = panelists.failing_numbers(session=session)
    return render_template(
        "admin/outbox.html", messages=messages, references=references, failing=failing
    )
