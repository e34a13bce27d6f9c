"""The landing page and the health checks."""

import time

from flask import Blueprint, current_app, jsonify

from .. import timeutil
from ..appeals.listing import count_with_status
from ..db import begin_reads, get_session
from ..enums import AppealStatus
from ..membership.panelists import count_active
from ..readiness import readiness, warnings
from ..rules import QuietHours
from . import compiled_i18n

bp = Blueprint("main", __name__)

# How old the landing page's two counts may be. It is the page anyone (and any monitor)
# opens first; counting appeals and panelists on each view would cost more than the page.
COUNTS_MAX_AGE = 5.0


def _counts() -> dict[str, int]:
    """The open appeals and active panelists, counted at most every COUNTS_MAX_AGE seconds."""
    cached = current_app.extensions.get("landing_counts")
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1]
    session = get_session()
    begin_reads(session)
    counts = {
        "open_appeals": count_with_status(session=session, status=AppealStatus.OPEN),
        "active_panelists": count_active(session=session),
    }
    current_app.extensions["landing_counts"] = (time.monotonic() + COUNTS_MAX_AGE, counts)
    return counts


@bp.get("/")
def index():
    """Show what the service is and how busy the panel is."""
    return compiled_i18n.render("index.html", **_counts())


@bp.get("/healthz")
def healthz():
    """Answer that the process is up (touches nothing else)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Answer whether this instance can serve: database, migrations, outbox backlog; and
    report the SMS providers' health and the calendar's coverage."""
    config = current_app.config["PANEL_CONFIG"]
    ready, checks = readiness(
        session=get_session(),
        now=timeutil.now(),
        max_backlog=current_app.config["PANEL_READY_MAX_OUTBOX_BACKLOG"],
        sms_providers=config.sms_backends,
        quiet_hours=QuietHours.parse(config.SMS_QUIET_HOURS),
    )
    body = {"status": "ready" if ready else "not_ready", "checks": checks}
    body["warnings"] = warnings(checks)
    return jsonify(body), 200 if ready else 503
