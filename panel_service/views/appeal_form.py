"""The appeal form, shared by staff and departments: check, create, attach, all or nothing."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import timeutil
from ..appeals import attachments
from ..appeals.listing import departments
from ..appeals.ownership import WorkOrderElsewhere
from ..appeals.submission import AppealInput, AppealInvalid, DuplicateAppeal, create_appeal
from ..db import get_session
from ..enums import WorkOrderSource
from ..models import Appeal, Department
from ..panel.draw import NotEnoughPanelists
from ..rules import PanelRules
from .forms import AppealForm, SelectChoice
from .wording import say

log = logging.getLogger(__name__)

FIELDS = (
    "work_order_no",
    "citizen_request",
    "department_reply",
    "appeal_reason",
    "policy_basis",
    "repeat_calls",
    "department",
)


def attachment_dir() -> Path:
    return Path(current_app.config["PANEL_ATTACHMENT_DIR"])


def build_form(*, only: Department | None = None) -> AppealForm:
    """The form with its department list (a department user's own department only)."""
    form = AppealForm()
    choices = [only] if only is not None else departments(session=get_session())
    form.department.choices = [SelectChoice(d.code, f"{d.name}({d.code})") for d in choices]
    if only is None:
        # No department is picked for staff unless they pick it.
        form.department.choices.insert(0, SelectChoice("", _("Please choose")))
    if only is not None and not form.department.data:
        form.department.data = only.code
    return form


def _uploads(form: AppealForm) -> list[attachments.Upload] | None:
    """The checked files, or None with the errors put beside the attachments field."""
    files = [f for f in (form.attachments.data or []) if f and getattr(f, "filename", "")]
    errors, uploads = [], []
    if len(files) > attachments.MAX_FILES:
        errors.append(_("At most %(n)d attachments", n=attachments.MAX_FILES))
    for storage in files[: attachments.MAX_FILES]:
        data = storage.stream.read(attachments.MAX_BYTES + 1)
        try:
            uploads.append(attachments.check_upload(filename=storage.filename, data=data))
        except attachments.AttachmentRefused as refused:
            reason = {
                "size": _("Larger than 10 MB"),
                "type": _("Only PDF, JPEG or PNG files are accepted"),
                "empty": _("The file is empty"),
            }[refused.reason]
            errors.append(f"{refused.filename}:{reason}")
    if errors:
        form.attachments.errors = list(form.attachments.errors) + errors
        return None
    return uploads


def submit(form: AppealForm, *, actor: str, source: WorkOrderSource) -> Appeal | None:
    """Create the appeal from a posted form; None with errors on the form if anything fails.

    ``source`` is the hotline for staff; a department speaks only for its own work orders
    and is never told which department, or which appeal, holds another's.
    """
    if not form.validate_on_submit():
        _uploads(form)  # report file problems in the same round as the other fields
        return None
    uploads = _uploads(form)
    if uploads is None:
        return None
    session = get_session()
    config = current_app.config["PANEL_CONFIG"]
    now = timeutil.now()
    data = AppealInput(**{name: getattr(form, name).data for name in FIELDS})
    stored: list = []
    try:
        appeal = create_appeal(
            session=session,
            data=data,
            submitted_by=actor,
            rules=PanelRules.from_config(config),
            now=now,
            source=source,
        )
        stored = attachments.store(
            session=session,
            appeal_id=appeal.id,
            uploads=uploads,
            directory=attachment_dir(),
            uploaded_by=actor,
            now=now,
        )
        session.commit()
    except AppealInvalid as invalid:
        _undo(session, stored)
        for name, code in invalid.errors.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, say(code, name)]
        return None
    except WorkOrderElsewhere as elsewhere:
        _undo(session, stored)
        code = elsewhere.department
        words = (
            say(elsewhere.code)
            if source == WorkOrderSource.DEPARTMENT
            else _("This work order is registered to department %(code)s.", code=code)
        )
        form.work_order_no.errors = [*form.work_order_no.errors, words]
        return None
    except DuplicateAppeal as duplicate:
        _undo(session, stored)
        words = (
            _("This work order already has appeal %(ref)s", ref=duplicate.reference)
            if duplicate.reference
            else say(duplicate.code)
        )
        form.work_order_no.errors = [*form.work_order_no.errors, words]
        return None
    except NotEnoughPanelists as refused:
        _undo(session, stored)
        form.form_errors.append(say(refused.code))
        return None
    except BaseException:
        _undo(session, stored)
        raise
    log.info("appeal submitted", extra={"appeal_id": appeal.id, "attachments": len(stored)})
    return appeal


def _undo(session, stored) -> None:
    session.rollback()
    attachments.discard(rows=stored, directory=attachment_dir())


def form_page(template: str, *, only: Department | None = None):
    """Show the appeal form or submit it; on success go to the new appeal's page."""
    form = build_form(only=only)
    source = WorkOrderSource.HOTLINE if only is None else WorkOrderSource.DEPARTMENT
    appeal = submit(form, actor=current_user.actor, source=source) if form.is_submitted() else None
    if appeal is not None:
        flash(_("Appeal %(ref)s submitted; the panel has been drawn.", ref=appeal.reference))
        return redirect(url_for(".appeal", reference=appeal.reference), 303)
    return render_template(template, form=form), 422 if form.is_submitted() else 200
