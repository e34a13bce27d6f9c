"""The landing page."""

from flask import Blueprint, current_app, jsonify, render_template

from .. import timeutil
from ..appeals.listing import count_with_status
from ..db import begin_reads, get_session
from ..enums import AppealStatus
from ..membership.panelists import count_active
from ..readiness import readiness, warnings
from ..rules import QuietHours

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Show what the service is and how busy the panel is."""
    session = get_session()
    begin_reads(session)
    open_appeals = count_with_status(session=session, status=AppealStatus.OPEN)
    active = count_active(session=session)
    return render_template("index.html", open_appeals=open_appeals, active_panelists=active)


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
