"""An appeal's attachments for its panelists, through their own link."""

from __future__ import annotations

from flask import Blueprint, abort, current_app

from .. import attachments, links
from ..db import get_session
from ..enums import AppealStatus
from ..extensions import limiter
from ..models import Appeal, Attachment
from .appeal_pages import send_attachment

bp = Blueprint("panelist_files", __name__, url_prefix="/v")


@bp.app_context_processor
def _attachment_list():
    # templates/panelist/_appeal.html lists the files with links through the panelist's token.
    def appeal_attachments(appeal_id: int):
        return attachments.for_appeal(session=get_session(), appeal_id=appeal_id)

    return {"appeal_attachments": appeal_attachments}


@bp.get("/<token>/files/<int:attachment_id>")
@limiter.limit("10 per minute", deduct_when=lambda response: response.status_code == 404)
@limiter.limit("120 per minute")
def attachment(token: str, attachment_id: int):
    """Send an attachment to a panelist whose link is current on an open appeal."""
    session = get_session()
    keys = links.secret_keys_from(current_app.config["PANEL_CONFIG"])
    try:
        assignment, current = links.resolve(session=session, token=token, secret_keys=keys)
    except links.LinkInvalid:
        abort(404)
    appeal = session.get(Appeal, assignment.appeal_id)
    if not current or appeal.status == AppealStatus.WITHDRAWN:
        abort(404)
    return send_attachment(appeal, session.get(Attachment, attachment_id))
