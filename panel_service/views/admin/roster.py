"""The roster: members listed, added, edited, suspended, reinstated, retired, imported and
exported."""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from ... import timeutil
from ...appeals.listing import departments
from ...db import get_session
from ...membership.changes import (
    MembershipRefused,
    reinstate_panelist,
    retire_panelist,
    suspend_panelist,
)
from ...membership.health import panel_health, panelist_history
from ...membership.panelists import (
    PanelistInput,
    PanelistInvalid,
    add_panelist,
    roster,
    update_panelist,
)
from ...membership.roster import COLUMNS, RosterInvalid, add_rows, check_rows, read_rows
from ...models import Department, Panelist
from ...reports import timeline
from ...reports.exports import ROSTER_COLUMNS, roster_csv, roster_xlsx
from ..common import actor, config, content_disposition, rules
from ..labels import ROSTER_COLUMN, label, yes_no
from ..wording import say
from .forms import CATEGORY_LABELS, ActionForm, ConfirmImportForm, ImportForm, PanelistForm

bp = Blueprint("roster", __name__)


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


def _in_both_languages(words: dict[str, object]) -> dict[str, str]:
    """What people may write for each code, in either language, with the code."""
    aliases = {}
    for lang in ("zh", "en"):
        with force_locale(lang):
            aliases.update({str(text): code for code, text in words.items()})
    return aliases


def _import_words() -> dict:
    """The import reads an export back: headers and categories as words, or as codes."""
    return dict(aliases=_in_both_languages(ROSTER_COLUMN),
                categories=_in_both_languages(CATEGORY_LABELS))  # fmt: skip


def _file_refusal(refused: RosterInvalid) -> str:
    params = dict(refused.params)
    if "columns" in params:
        params["columns"] = _(", ").join(label("roster_column", c) for c in params["columns"])
    return say(refused.code, **params)


def _row_problems(row: dict) -> list[str]:
    return [
        _("%(field)s: %(problem)s", field=label("roster_column", field), problem=say(code, field))
        for field, code in row.items()
    ]


@bp.get("/panelists")
def index():
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
def edit(panelist_id: int | None = None):
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
                    session=session, data=_form_input(form), actor=actor(), now=timeutil.now()
                )
            else:
                update_panelist(
                    session=session,
                    panelist=panelist,
                    data=_form_input(form),
                    actor=actor(),
                    rules=rules(),
                    now=timeutil.now(),
                )
        except PanelistInvalid as exc:
            session.rollback()
            _bind_errors(form, exc.errors)
        else:
            session.commit()
            flash(_("Panelist %(name)s saved.", name=panelist.name), "success")
            return redirect(url_for(".detail", panelist_id=panelist.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/panelist_form.html", form=form, panelist=panelist), status


@bp.get("/panelists/<int:panelist_id>")
def detail(panelist_id: int):
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
        shown_state=timeline.shown_state,  # before a decision: on the panel, voted or not
        form=ActionForm(),
    )


@bp.post("/panelists/<int:panelist_id>/<any(suspend, reinstate, retire):action>")
def membership(panelist_id: int, action: str):
    """Suspend, reinstate or retire a member; open seats of theirs are replaced."""
    if not ActionForm().validate_on_submit():
        abort(400)
    panelist = _panelist_or_404(panelist_id)
    session = get_session()
    kwargs = dict(
        session=session, panelist=panelist, actor=actor(), rules=rules(), now=timeutil.now()
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
    return redirect(url_for(".detail", panelist_id=panelist_id))


@bp.route("/panelists/import", methods=["GET", "POST"])
def import_file():
    """Upload a CSV and preview it: every row with its errors; nothing is stored yet."""
    form = ImportForm()
    preview = errors = None
    confirm = ConfirmImportForm()
    message = None
    if form.validate_on_submit():
        raw = form.file.data.read()
        words = _import_words()
        try:
            # Parsed before the session is touched: no transaction (on SQLite, no write
            # lock) is held while a large file is read.
            preview = read_rows(raw, words["aliases"], max_rows=config().ROSTER_MAX_ROWS)
            session = get_session()
            try:
                check_rows(session=session, rows=preview, categories=words["categories"])
            finally:
                session.rollback()  # it only read; end the transaction at once
            errors = {}
        except RosterInvalid as exc:
            errors = {line: _row_problems(row) for line, row in exc.rows.items()}
            message = _file_refusal(exc)
        confirm.content.data = base64.b64encode(raw).decode("ascii")
    status = 422 if request.method == "POST" and (message or form.errors) else 200
    return render_template(
        "admin/import.html",
        columns=_(", ").join(label("roster_column", c) for c in COLUMNS),
        categories=_(", ").join(str(words) for words in CATEGORY_LABELS.values()),
        form=form,
        confirm=confirm,
        preview=preview,
        errors=errors,
        message=message,
    ), status


@bp.post("/panelists/import/confirm")
def import_confirm():
    """Import the previewed file: all rows or none."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        raw = base64.b64decode(form.content.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    words = _import_words()
    session = get_session()
    try:
        rows = read_rows(raw, words["aliases"], max_rows=config().ROSTER_MAX_ROWS)
        result = add_rows(session=session, rows=rows, actor=actor(), now=timeutil.now(),
                          categories=words["categories"])  # fmt: skip
    except RosterInvalid as exc:
        session.rollback()
        flash(_file_refusal(exc), "error")
        return redirect(url_for(".import_file"))
    session.commit()
    flash(_("%(n)d panelists imported.", n=len(result.added)), "success")
    return redirect(url_for(".index"))


@bp.get("/panelists/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    """Download the roster as CSV (UTF-8 with BOM) or XLSX."""
    session = get_session()
    words = dict(
        headers=[label("roster_column", column) for column in ROSTER_COLUMNS],
        yes_no=(yes_no(True), yes_no(False)),
        categories={code: str(words) for code, words in CATEGORY_LABELS.items()},
    )
    if fmt == "csv":
        body, mimetype = roster_csv(session=session, **words), "text/csv"  # Flask adds utf-8
    else:
        body = roster_xlsx(session=session, sheet_title=_("Panelists"), **words)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": content_disposition(f"panelists.{fmt}")},
    )
