"""The working-day calendar: whether the official calendar covers the coming deadlines,
and the days admins set as a holiday or a working day."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ... import timeutil
from ...db import get_session
from ...panel import workdays
from ..common import actor
from .forms import ActionForm, CalendarOverrideForm

bp = Blueprint("calendar", __name__)


@bp.route("/calendar", methods=["GET", "POST"])
def index():
    """Show the calendar's coverage and overrides; set an override."""
    session = get_session()
    form = CalendarOverrideForm()
    now = timeutil.now()
    if form.validate_on_submit():
        workdays.set_override(
            session=session, day=form.day.data, workday=form.workday.data == "workday",
            note=form.note.data or "", actor=actor(), now=now,
        )  # fmt: skip
        session.commit()
        flash(_("Saved: %(day)s.", day=form.day.data.isoformat()), "ok")
        return redirect(url_for("admin.calendar.index"))
    today = timeutil.local_today()
    calendar = workdays.load(session=session)
    coming = [today + timedelta(days=n) for n in range(21)]
    return render_template(
        "admin/calendar.html",
        form=form,
        remove_form=ActionForm(),
        coverage=workdays.coverage(session=session, now=now),
        overrides=workdays.overrides(session=session),
        coming=[(day, calendar.is_workday(day), calendar.source(day)) for day in coming],
        years=workdays.OFFICIAL_YEARS,
    )


@bp.post("/calendar/<day>/remove")
def remove(day: str):
    """Drop one override; the official calendar rules that day again."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        parsed = timeutil.parse_date(day)
    except ValueError:
        abort(404)
    session = get_session()
    if not workdays.remove_override(session=session, day=parsed, actor=actor(), now=timeutil.now()):
        abort(404)
    session.commit()
    flash(_("Removed: %(day)s.", day=parsed.isoformat()), "ok")
    return redirect(url_for("admin.calendar.index"))
