"""The audit trail: browse and filter events, verify every chain, export a period."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from sqlmodel import Session

from ...appeals.listing import appeal_by_reference
from ...db import get_session
from ...enums import AuditKind
from ...membership.panelists import names
from ...record import audit
from ...record import verify as record_verify
from ...reports.exports import audit_jsonl
from ...reports.timeline import SECRET_KINDS
from ..audit_words import describe
from ..period import period_from_request
from ..public.common import public_key
from .forms import ActionForm

bp = Blueprint("audit", __name__)

AUDIT_PAGE = 50


@bp.get("/audit")
def index():
    """Browse the audit trail, newest first, filtered by kind, appeal and period."""
    period = period_from_request(default_days=30)
    session = get_session()
    kind = request.args.get("kind", "")
    kind = kind if kind in {k.value for k in AuditKind} else ""
    reference = request.args.get("appeal", "").strip()
    appeal_id = None
    if reference:
        appeal = appeal_by_reference(session=session, reference=reference)
        appeal_id = appeal.id if appeal else -1  # an unknown reference matches nothing
    page = max(request.args.get("page", 1, type=int), 1)
    events, total = audit.search(
        session=session,
        start=period.start,
        end=period.end,
        kind=kind or None,
        appeal_id=appeal_id,
        page=page,
        per_page=AUDIT_PAGE,
        until_decided=frozenset(SECRET_KINDS),
    )
    panelists = names(session=session)
    return render_template(
        "admin/audit.html",
        events=[(event, describe(event, panelists)) for event in events],
        panelists=panelists,
        period=period,
        kind=kind,
        reference=reference,
        kinds=[k.value for k in AuditKind],
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE)),
        total=total,
        form=ActionForm(),
        report=None,
    )


@bp.post("/audit/verify")
def verify():
    """Verify the record as `panel audit verify` does: chains, checkpoints, tables."""
    if not ActionForm().validate_on_submit():
        abort(400)
    report, record, problems = record_verify.check_all(
        session=get_session(), public_raw=public_key()
    )
    ok = report.ok and not problems
    return render_template(
        "admin/audit_verify.html", report=report, record=record, problems=problems or []
    ), 200 if ok else 409


@bp.get("/audit/export.jsonl")
def export():
    """Download a period's events as JSON lines, hashes included."""
    period = period_from_request(default_days=30)
    engine = current_app.extensions["panel_engine"]

    def lines():
        # Its own session, closed when the last line is out: a long download holds no
        # request-scoped transaction (nor SQLite's lock) once it ends.
        with Session(engine) as session:
            yield from audit_jsonl(session=session, start=period.start, end=period.end)

    name = f"audit-{period.start_date}-{period.end_date}.jsonl"
    return Response(
        lines(),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )
