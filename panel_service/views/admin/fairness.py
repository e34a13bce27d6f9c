"""The fairness report: each member's draws against a fair draw's expectation, and every
draw of the period re-run from the audit trail."""

from __future__ import annotations

from flask import Blueprint, render_template

from ...db import get_session
from ...membership import panelists
from ...models import Appeal
from ...panel.fairness import draw_records, fairness_report
from ...panel.replay import replay_draw
from ..period import period_from_request

bp = Blueprint("fairness", __name__)


@bp.get("/fairness")
def index():
    """Compare each member's draws with a fair draw's expectation; re-check every draw."""
    period = period_from_request()
    session = get_session()
    records = draw_records(session=session, start=period.start, end=period.end)
    report = fairness_report(record for _appeal, record in records)
    names = panelists.names(session=session)
    replays = [
        replay_draw(session=session, appeal=session.get(Appeal, appeal_id))
        for appeal_id, _record in records
    ]
    failed = [r.reference for r in replays if not r.ok]
    return render_template(
        "admin/fairness.html",
        period=period,
        report=report,
        names=names,
        replayed=len(replays),
        failed=failed,
    )
