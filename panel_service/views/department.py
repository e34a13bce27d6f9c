"""A department's own appeals: status, decision, tally and opinions, never who voted."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from .. import timeutil
from ..appeals import attachments
from ..appeals.listing import appeal_by_reference, find_appeals
from ..appeals.outcomes import anonymous_opinions
from ..db import get_session
from ..enums import AppealStatus
from ..extensions import csrf
from ..models import Appeal, Department
from ..panel.voting import published_tally
from ..reports.attention import desk
from . import appeal_form
from .appeal_pages import PER_PAGE, filters_from_args, page_number, send_attachment

bp = Blueprint("department", __name__, url_prefix="/department")


def _own_department() -> Department:
    department = get_session().get(Department, current_user.department_id)
    if department is None:
        abort(403)
    return department


def _own_appeal(reference: str) -> Appeal:
    """The appeal if it is this department's; any other appeal is simply not found."""
    appeal = appeal_by_reference(session=get_session(), reference=reference)
    if appeal is None or appeal.department_id != current_user.department_id:
        abort(404)
    return appeal


@bp.get("/")
def index():
    """Show the department its open appeals by deadline, recent decisions and any stall."""
    department = _own_department()
    session = get_session()
    mine = desk(session=session, now=timeutil.now(), department_id=department.id)
    tallies = {a.id: published_tally(session=session, appeal=a) for a in mine.recently_decided}
    return render_template(
        "department/home.html", department=department, desk=mine, tallies=tallies
    )


@bp.get("/appeals")
def appeals():
    """List this department's appeals with their status, decision and tally."""
    department = _own_department()
    filters, raw = filters_from_args(department_id=department.id)
    session = get_session()
    page = find_appeals(session=session, filters=filters, page=page_number(), per_page=PER_PAGE)
    tallies = {a.id: published_tally(session=session, appeal=a) for a in page.items}
    return render_template(
        "department/appeals.html",
        department=department,
        page=page,
        raw=raw,
        tallies=tallies,
        statuses=list(AppealStatus),
    )


@bp.get("/appeals/<reference>")
def appeal(reference: str):
    """Show one of this department's appeals and, once decided, the panel's opinions."""
    appeal = _own_appeal(reference)
    session = get_session()
    tally = published_tally(session=session, appeal=appeal)
    return render_template(
        "department/appeal.html",
        appeal=appeal,
        department=_own_department(),
        tally=tally,
        opinions=anonymous_opinions(session=session, appeal_id=appeal.id) if tally else [],
        files=attachments.for_appeal(session=session, appeal_id=appeal.id),
    )


@bp.route("/appeals/new", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one keeps what was typed
def new_appeal():
    """Show the appeal form for this department's own work orders, or submit it."""
    return appeal_form.form_page("appeal_new.html", only=_own_department())


@bp.get("/appeals/<reference>/files/<public_id>")
def attachment(reference: str, public_id: str):
    """Send one of this department's appeal's attachments."""
    appeal = _own_appeal(reference)
    return send_attachment(
        appeal, attachments.find(session=get_session(), appeal_id=appeal.id, public_id=public_id)
    )
