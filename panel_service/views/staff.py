"""Hotline staff: submit appeals, find them, follow each to its decision, withdraw."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import timeutil
from ..appeals import attachments
from ..appeals.listing import appeal_by_reference, count_with_status, departments, find_appeals
from ..db import get_session
from ..enums import AppealStatus
from ..extensions import csrf
from ..models import Department
from ..panel.lifecycle import withdraw_appeal
from ..panel.voting import published_tally
from ..refusals import Invalid, Refused
from ..reports import timeline
from ..reports.attention import desk
from . import appeal_form
from .appeal_pages import PER_PAGE, filters_from_args, page_number, send_attachment
from .forms import WithdrawForm
from .wording import say

log = logging.getLogger(__name__)

bp = Blueprint("staff", __name__, url_prefix="/staff")

WITHDRAWABLE = (AppealStatus.OPEN, AppealStatus.STALLED)


def _appeal_or_404(reference: str):
    appeal = appeal_by_reference(session=get_session(), reference=reference)
    if appeal is None:
        abort(404)
    return appeal


@bp.get("/")
def index():
    """Show staff their desk: open appeals by deadline, recent decisions, stalls to resolve."""
    session = get_session()
    return render_template("staff/home.html", desk=desk(session=session, now=timeutil.now()))


@bp.get("/appeals")
def appeals():
    """List appeals, filtered by status, department, dates and reference or work order."""
    session = get_session()
    all_departments = departments(session=session)
    filters, raw = filters_from_args()
    code = raw["department"]
    chosen = next((d for d in all_departments if d.code == code), None)
    filters.department_id = chosen.id if chosen else None
    page = find_appeals(session=session, filters=filters, page=page_number(), per_page=PER_PAGE)
    names = {d.id: d.name for d in all_departments}
    return render_template(
        "staff/appeals.html",
        page=page,
        raw=raw,
        departments=all_departments,
        department_names=names,
        statuses=list(AppealStatus),
        stalled=count_with_status(session=session, status=AppealStatus.STALLED),
    )


@bp.route("/appeals/new", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one keeps what was typed
def new_appeal():
    """Show the appeal form, or submit it and draw the panel."""
    return appeal_form.form_page("appeal_new.html")


@bp.get("/appeals/<reference>")
def appeal(reference: str):
    """Show an appeal with its panel and timeline; who voted, and how, once it is decided."""
    session = get_session()
    appeal = _appeal_or_404(reference)
    decided = appeal.status == AppealStatus.DECIDED
    return render_template(
        "staff/appeal.html",
        appeal=appeal,
        department=session.get(Department, appeal.department_id),
        entries=timeline.timeline(session=session, appeal_id=appeal.id),
        names=timeline.panelist_names(session=session, appeal_id=appeal.id),
        seats=[
            (seat, timeline.shown_state(seat, decided=decided))
            for seat in timeline.seats(session=session, appeal_id=appeal.id)
        ],
        files=attachments.for_appeal(session=session, appeal_id=appeal.id),
        tally=published_tally(session=session, appeal=appeal),
        decided=decided,
        withdraw_form=WithdrawForm() if appeal.status in WITHDRAWABLE else None,
    )


@bp.post("/appeals/<reference>/withdraw")
def withdraw(reference: str):
    """Withdraw an open appeal: revoke the links and tell the panelists by SMS."""
    session = get_session()
    appeal = _appeal_or_404(reference)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            withdraw_appeal(
                session=session,
                appeal=appeal,
                reason=form.reason.data,
                actor=current_user.actor,
                now=timeutil.now(),
            )
        except (Invalid, Refused) as refused:
            session.rollback()
            session.refresh(appeal)
            codes = refused.errors.values() if isinstance(refused, Invalid) else [refused.code]
            form.reason.errors = [say(code) for code in codes]
        else:
            session.commit()
            log.info("appeal withdrawn", extra={"appeal_id": appeal.id})
            flash(
                _("Appeal %(ref)s withdrawn; the panelists have been told.", ref=appeal.reference)
            )
            return redirect(url_for(".appeal", reference=appeal.reference), 303)
    return render_template("staff/withdraw.html", appeal=appeal, form=form), 422


@bp.get("/appeals/<reference>/files/<public_id>")
def attachment(reference: str, public_id: str):
    """Send one of the appeal's attachments."""
    appeal = _appeal_or_404(reference)
    return send_attachment(
        appeal, attachments.find(session=get_session(), appeal_id=appeal.id, public_id=public_id)
    )
