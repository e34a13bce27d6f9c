"""The panel's health table: seats, votes, recusals, no-shows and answers per member."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ...db import get_session
from ...membership.health import panel_health

bp = Blueprint("health", __name__)

HEALTH_SORTS = {
    "name", "assignments", "votes", "recusals", "no_shows", "sms_failures",
    "median_hours_to_vote", "last_activity", "agreement_rate", "response_rate",
}  # fmt: skip


@bp.get("/health")
def index():
    """The panel's health table, sortable by any column."""
    sort = request.args.get("sort", "name")
    sort = sort if sort in HEALTH_SORTS else "name"
    rows = panel_health(session=get_session())

    def value(row):
        return row.panelist.name if sort == "name" else getattr(row, sort)

    # Rows without a figure (no votes yet, say) stay at the bottom in either direction.
    known = sorted(
        (r for r in rows if value(r) is not None),
        key=value,
        reverse=request.args.get("dir") == "desc",
    )
    rows = known + [r for r in rows if value(r) is None]
    return render_template("admin/health.html", rows=rows, sort=sort)
