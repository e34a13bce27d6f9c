"""The fairness report: each member's draws against a fair draw's expectation; every draw
of the period re-run from the audit trail on request."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ...db import get_session
from ...membership import panelists
from ...panel.fairness import period_report
from ...panel.replay import replay_period
from ..period import period_from_request
from .forms import ActionForm

bp = Blueprint("fairness", __name__)


def _page(replayed: int | None = None, failed: list[str] = ()):
    period = period_from_request()
    session = get_session()
    return render_template(
        "admin/fairness.html",
        period=period,
        report=period_report(session=session, start=period.start, end=period.end),
        names=panelists.names(session=session),
        form=ActionForm(),
        replayed=replayed,
        failed=failed,
    )


@bp.get("/fairness")
def index():
    """Compare each member's draws with a fair draw's expectation."""
    return _page()


@bp.post("/fairness/replay")
def replay():
    """Re-run every draw of the period from the audit trail (a year's draws take minutes)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    period = period_from_request()
    failed, replayed = [], 0
    for report in replay_period(session=get_session(), start=period.start, end=period.end):
        replayed += 1
        if not report.ok:
            failed.append(report.reference)
    return _page(replayed, failed), 409 if failed else 200
