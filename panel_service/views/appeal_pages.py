"""What the staff and department pages share: filters, pages, attachment download."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, request, send_file

from .. import timeutil
from ..appeals import attachments
from ..appeals.listing import AppealFilter
from ..enums import AppealStatus
from ..models import Appeal, Attachment
from .appeal_form import attachment_dir
from .common import content_disposition

PER_PAGE = 20


def _day(value: str) -> date | None:
    """A typed local day, or None when blank or not a date (bad filters are ignored)."""
    try:
        return timeutil.parse_date(value) if value else None
    except ValueError:
        return None


def filters_from_args(*, department_id: int | None = None) -> tuple[AppealFilter, dict]:
    """The list filters from the query string (bad values are ignored), and the raw values."""
    args = request.args
    raw = {k: args.get(k, "").strip() for k in ("status", "department", "from", "to", "q")}
    status = raw["status"] if raw["status"] in {s.value for s in AppealStatus} else None
    first, last = _day(raw["from"]), _day(raw["to"])
    filters = AppealFilter(
        status=AppealStatus(status) if status else None,
        department_id=department_id,
        submitted_from=timeutil.start_of_day(first) if first else None,
        submitted_before=timeutil.start_of_day(last + timedelta(days=1)) if last else None,
        text=raw["q"][:40] or None,
    )
    return filters, raw


def page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def send_attachment(
    appeal: Appeal, attachment: Attachment | None, *, download_name: str | None = None
):
    """Send the file as a download, with the stored (sniffed) type and a name whose
    extension is that type's.

    ``download_name`` replaces the uploaded name (panelists get it masked).
    """
    if attachment is None or attachment.appeal_id != appeal.id:
        abort(404)
    path = attachments.path_of(attachment, attachment_dir())
    if not path.is_file():
        abort(404)
    name = attachments.download_name(
        download_name or attachment.filename, attachment.content_type
    )
    response = send_file(path, mimetype=attachment.content_type, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
