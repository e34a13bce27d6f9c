"""An audit event in words, for the audit viewer: what it was, who did it, the details that
mean something to a person. The stored JSON stays available beside it, unchanged."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..models import AuditEvent
from ..record.audit import event_data
from .admin.forms import CATEGORY_LABELS
from .dates import when
from .labels import label
from .wording import reason

FIELD_NAMES = {
    "reference": _l("Reference"),
    "work_order_no": _l("Work order number"),
    "department": _l("Responsible department"),
    "from": _l("Department before"),  # a work order moved by the hotline
    "withdrawn": _l("Appeal withdrawn by the move"),
    "deadline": _l("Deadline"),
    "panelist": _l("Panelist"),
    "vacated_panelist": _l("Seat given up by"),
    "picked": _l("Drawn"),
    "category": _l("Category"),
    "change": _l("Change"),
    "fields": _l("Fields changed"),
    "mobile_failing": _l("Mobile number"),
    "reason": _l("Reason"),
    "note": _l("Note"),
    "decision": _l("Decision"),
    "round": _l("Round"),
    "pool": _l("Eligible panelists"),
    "skipped": _l("Passed over"),
}


def _names(ids, panelists: dict[int, str]) -> str:
    ids = ids if isinstance(ids, list) else [ids]
    return _(", ").join(str(panelists.get(i, i)) for i in ids if i is not None)


def _value(key: str, value, panelists: dict[int, str]) -> str | None:
    if key in ("panelist", "vacated_panelist", "picked"):
        return _names(value, panelists)
    if key == "reason":
        return reason(value)
    if key == "change":
        return label("membership_change", value)
    if key == "fields":
        names = ("affiliation" if f == "affiliation_id" else f for f in value)
        return _(", ").join(label("roster_column", f) for f in names)
    if key == "category":
        return str(CATEGORY_LABELS.get(value, value))
    if key == "mobile_failing":
        return _("reported unreachable by the SMS provider") if value else None
    if key == "decision":
        return label("decision", value)
    if key == "deadline":
        return when(datetime.fromisoformat(value))
    if key == "pool":
        return str(len(value))
    if key == "skipped":
        passed = [f"{panelists.get(pid, pid)}({reason(why)})" for pid, why in value]
        return _(", ").join(passed) or None
    return None if value in (None, "", []) else str(value)


def describe(event: AuditEvent, panelists: dict[int, str]) -> list[str]:
    """The event's details a person can read, one line each (ids and hashes left out)."""
    data = event_data(event)
    lines = []
    for key, name in FIELD_NAMES.items():
        if key not in data:
            continue
        value = _value(key, data[key], panelists)
        if value:
            lines.append(_("%(name)s: %(value)s", name=name, value=value))
    if "agree" in data and "disagree" in data:
        lines.append(
            _("Votes (agree:disagree): %(agree)d:%(disagree)d", **{
                k: data[k] for k in ("agree", "disagree")
            })
        )
    return lines
