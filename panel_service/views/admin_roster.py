"""Roster import (preview, then all rows or none) and export."""

from __future__ import annotations

import base64
import binascii

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import timeutil
from ..db import get_session
from ..exports import roster_csv, roster_xlsx
from ..roster import RosterInvalid, import_roster, read_rows
from .admin import bp
from .admin_forms import ConfirmImportForm, ImportForm
from .admin_panel import _actor
from .wording import say_errors


@bp.route("/panelists/import", methods=["GET", "POST"])
def panelists_import():
    """Upload a CSV and preview it: every row with its errors; nothing is stored yet."""
    form = ImportForm()
    preview = errors = None
    confirm = ConfirmImportForm()
    message = None
    if form.validate_on_submit():
        raw = form.file.data.read()
        session = get_session()
        try:
            preview = read_rows(raw)
            import_roster(session=session, raw=raw, actor=_actor(), now=timeutil.now())
            errors = {}
        except RosterInvalid as exc:
            errors = {line: say_errors(row) for line, row in exc.rows.items()}
            message = str(exc)
        finally:
            session.rollback()  # a preview never stores anything
        confirm.content.data = base64.b64encode(raw).decode("ascii")
    status = 422 if request.method == "POST" and (message or form.errors) else 200
    return render_template(
        "admin/import.html",
        form=form,
        confirm=confirm,
        preview=preview,
        errors=errors,
        message=message,
    ), status


@bp.post("/panelists/import/confirm")
def panelists_import_confirm():
    """Import the previewed file: all rows or none."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        raw = base64.b64decode(form.content.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    session = get_session()
    try:
        result = import_roster(session=session, raw=raw, actor=_actor(), now=timeutil.now())
    except RosterInvalid as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.panelists_import"))
    session.commit()
    flash(_("%(n)d panelists imported.", n=len(result.added)), "success")
    return redirect(url_for("admin.panelists"))


@bp.get("/panelists/export.<any(csv, xlsx):fmt>")
def panelists_export(fmt: str):
    """Download the roster as CSV (UTF-8 with BOM) or XLSX."""
    session = get_session()
    if fmt == "csv":
        body, mimetype = roster_csv(session=session), "text/csv; charset=utf-8"
    else:
        body = roster_xlsx(session=session)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=panelists.{fmt}"},
    )
