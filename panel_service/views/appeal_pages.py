"""What the staff and department pages share: filters, time display, attachment download."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, request, send_file

from .. import attachments, timeutil
from ..enums import AppealStatus
from ..listing import AppealFilter
from ..models import Appeal, Attachment
from .appeal_form import attachment_dir

PER_PAGE = 20


def when(value: datetime | None) -> str:
    """A time in the display zone, e.g. 2025-09-24 10:00."""
    local = timeutil.localize(value, current_app.config["PANEL_TIMEZONE"])
    return "" if local is None else local.strftime("%Y-%m-%d %H:%M")


def _day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    zone = ZoneInfo(current_app.config["PANEL_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone)


def filters_from_args(*, department_id: int | None = None) -> tuple[AppealFilter, dict]:
    """The list filters from the query string (bad values are ignored), and the raw values."""
    args = request.args
    raw = {k: args.get(k, "").strip() for k in ("status", "department", "from", "to", "q")}
    status = raw["status"] if raw["status"] in {s.value for s in AppealStatus} else None
    until = _day(raw["to"])
    filters = AppealFilter(
        status=AppealStatus(status) if status else None,
        department_id=department_id,
        submitted_from=_day(raw["from"]),
        submitted_before=until + timedelta(days=1) if until else None,
        text=raw["q"][:40] or None,
    )
    return filters, raw


def page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def send_attachment(
    appeal: Appeal, attachment: Attachment | None, *, download_name: str | None = None
):
    """Send the file inline only for images and PDFs we sniffed, with the stored type.

    ``download_name`` replaces the uploaded name (panelists get it masked).
    """
    if attachment is None or attachment.appeal_id != appeal.id:
        abort(404)
    path = attachments.path_of(attachment, attachment_dir())
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        download_name=download_name or attachment.filename,
        as_attachment=attachment.content_type == "application/pdf",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
