"""Panel administration: the roster, members' details and membership changes."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import timeutil
from ..db import get_session
from ..health import panel_health, panelist_history
from ..listing import departments
from ..models import Department, Panelist
from ..panelists import (
    MembershipRefused,
    PanelistInput,
    PanelistInvalid,
    add_panelist,
    reinstate_panelist,
    retire_panelist,
    roster,
    suspend_panelist,
    update_panelist,
)
from ..rules import PanelRules
from .admin import bp
from .admin_forms import ActionForm, PanelistForm
from .wording import say


def _actor() -> str:
    return current_user.actor


def _rules() -> PanelRules:
    return PanelRules.from_config(current_app.config["PANEL_CONFIG"])


def _panelist_or_404(panelist_id: int) -> Panelist:
    panelist = get_session().get(Panelist, panelist_id)
    if panelist is None:
        abort(404)
    return panelist


def _form_input(form: PanelistForm) -> PanelistInput:
    return PanelistInput(
        name=form.name.data,
        mobile=form.mobile.data,
        category=form.category.data,
        affiliation=form.affiliation.data or None,
        pledge_signed_on=form.pledge_signed_on.data,
        term_start=form.term_start.data,
        term_end=form.term_end.data,
    )


def _bind_errors(form: PanelistForm, errors: dict) -> None:
    for name, code in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, say(code, name)]


@bp.get("/panelists")
def panelists():
    """List the roster, active members first."""
    show = request.args.get("show", "active")
    session = get_session()
    codes = {d.id: d for d in departments(session=session)}
    members = roster(session=session, show=show)
    return render_template(
        "admin/panelists.html", members=members, departments=codes, show=show, form=ActionForm()
    )


@bp.route("/panelists/new", methods=["GET", "POST"])
@bp.route("/panelists/<int:panelist_id>/edit", methods=["GET", "POST"])
def panelist_form(panelist_id: int | None = None):
    """Add a member, or edit one; errors come back beside the fields with what was typed."""
    session = get_session()
    panelist = _panelist_or_404(panelist_id) if panelist_id else None
    form = PanelistForm(obj=panelist if request.method == "GET" else None)
    form.affiliation.choices = [SelectChoice("", "—")] + [
        SelectChoice(d.code, d.name) for d in departments(session=session)
    ]
    if panelist is not None and request.method == "GET":
        department = (
            session.get(Department, panelist.affiliation_id) if panelist.affiliation_id else None
        )
        form.affiliation.data = department.code if department else ""
    if form.validate_on_submit():
        try:
            if panelist is None:
                panelist = add_panelist(
                    session=session, data=_form_input(form), actor=_actor(), now=timeutil.now()
                )
            else:
                update_panelist(
                    session=session,
                    panelist=panelist,
                    data=_form_input(form),
                    actor=_actor(),
                    rules=_rules(),
                    now=timeutil.now(),
                )
        except PanelistInvalid as exc:
            session.rollback()
            _bind_errors(form, exc.errors)
        else:
            session.commit()
            flash(_("Panelist %(name)s saved.", name=panelist.name), "success")
            return redirect(url_for("admin.panelist_detail", panelist_id=panelist.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/panelist_form.html", form=form, panelist=panelist), status


@bp.get("/panelists/<int:panelist_id>")
def panelist_detail(panelist_id: int):
    """Show a member's health figures and history (references and dates only)."""
    panelist = _panelist_or_404(panelist_id)
    session = get_session()
    rows = panel_health(session=session, include_retired=True)
    health = next(r for r in rows if r.panelist.id == panelist.id)
    history = panelist_history(session=session, panelist_id=panelist.id)
    return render_template(
        "admin/panelist_detail.html",
        panelist=panelist,
        health=health,
        history=history,
        form=ActionForm(),
    )


@bp.post("/panelists/<int:panelist_id>/<any(suspend, reinstate, retire):action>")
def panelist_membership(panelist_id: int, action: str):
    """Suspend, reinstate or retire a member; open seats of theirs are replaced."""
    if not ActionForm().validate_on_submit():
        abort(400)
    panelist = _panelist_or_404(panelist_id)
    session = get_session()
    kwargs = dict(
        session=session, panelist=panelist, actor=_actor(), rules=_rules(), now=timeutil.now()
    )
    try:
        if action == "reinstate":
            reinstate_panelist(**kwargs)
            replaced = []
        else:
            change = suspend_panelist if action == "suspend" else retire_panelist
            replaced = change(**kwargs)
    except MembershipRefused as refused:
        session.rollback()
        flash(say(refused.code), "error")
    else:
        session.commit()
        flash(
            _(
                "Membership of %(name)s updated; %(n)d open seats were given to substitutes.",
                name=panelist.name,
                n=len(replaced),
            ),
            "success",
        )
    return redirect(url_for("admin.panelist_detail", panelist_id=panelist_id))
