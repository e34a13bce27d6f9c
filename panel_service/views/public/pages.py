"""The public record's pages, for anyone, on a phone: every appeal with its draw receipt,
the days' seed commitments, membership changes and the fairness summary."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ...appeals.listing import appeal_by_reference
from ...db import get_session
from ...panel import fairness
from ...panel.receipt import receipt
from ...record import epochs
from ...record import history as member_history
from ...record.public import appeals_in, code
from ..period import period_from_request

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """List the period's appeals with their status and decision."""
    period = period_from_request(default_days=30)
    session = get_session()
    return render_template(
        "public/index.html",
        period=period,
        appeals=appeals_in(session=session, start=period.start, end=period.end, limit=500),
    ), 400 if period.error else 200


@bp.get("/appeals/<reference>")
def appeal(reference: str):
    """Show how an appeal's panel was drawn, changed and decided, by public codes."""
    found = appeal_by_reference(session=get_session(), reference=reference)
    if found is None:
        abort(404)
    return render_template("public/appeal.html", r=receipt(session=get_session(), appeal=found))


@bp.get("/epochs")
def epoch_list():
    """List the days' seed commitments, and each secret once its day is over."""
    return render_template(
        "public/epochs.html", epochs=list(reversed(epochs.public_epochs(session=get_session())))
    )


@bp.get("/members")
def members():
    """List membership changes by public code and date (joined, suspended, retired, ...)."""
    period = period_from_request(default_days=365)
    changes = member_history.changes(session=get_session(), start=period.start, end=period.end)
    return render_template("public/members.html", period=period, changes=changes, code=code)


@bp.get("/fairness")
def fairness_summary():
    """Show how often each member was drawn against a fair draw's expectation."""
    period = period_from_request()
    session = get_session()
    report = fairness.period_report(session=session, start=period.start, end=period.end)
    return render_template(
        "public/fairness.html",
        period=period,
        report=report,
        resubmissions=fairness.resubmissions(session=session, start=period.start, end=period.end),
        code=code,
    )
