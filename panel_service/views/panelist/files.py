"""An appeal's attachments for its panelists, through their own link."""

from __future__ import annotations

from flask import Blueprint, current_app

from ... import timeutil
from ...access import links
from ...appeals import attachments
from ...appeals.masking import mask
from ...db import get_session
from ...extensions import limiter
from ...models import Appeal
from ..appeal_pages import send_attachment
from .render import dead_link

bp = Blueprint("files", __name__)


@bp.get("/<token>/files/<public_id>")
@limiter.limit("10 per minute", deduct_when=lambda response: response.status_code == 404)
@limiter.limit("120 per minute")
def attachment(token: str, public_id: str):
    """Send an attachment to a pledged panelist whose seat on an open appeal is current."""
    session = get_session()
    keys = links.secret_keys_from(current_app.config["PANEL_CONFIG"])
    try:
        assignment, current = links.resolve(session=session, token=token, secret_keys=keys)
    except links.LinkInvalid:
        return dead_link()
    appeal = session.get(Appeal, assignment.appeal_id)
    row = attachments.find(session=session, appeal_id=appeal.id, public_id=public_id)
    # One answer for every refusal, so it never tells whether the file exists.
    if (
        not current
        or row is None
        or not attachments.panelist_may_read(
            session=session, assignment=assignment, appeal=appeal, now=timeutil.now()
        )
    ):
        return dead_link()
    return send_attachment(appeal, row, download_name=mask(row.filename))
