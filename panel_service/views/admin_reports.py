"""Administration reports: statistics with charts, the fairness report, the audit viewer."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from sqlmodel import Session

from .. import audit, listing, outbox, panelists
from ..audit import verify_chain
from ..charts import bar_svg, series_csv
from ..db import get_session
from ..enums import AuditKind
from ..exports import audit_jsonl
from ..fairness import VERDICTS, draw_records, fairness_report
from ..listing import appeal_by_reference
from ..models import Appeal
from ..replay import replay_draw
from ..stats import (
    appeals_per_month,
    decisions_per_department,
    median_hours_to_decision,
    rate,
    response_rates,
    sms_delivery,
)
from .admin import bp
from .admin_forms import ActionForm
from .period import period_from_request

CHARTS = {
    "appeals_per_month": (appeals_per_month, False),
    "decisions_per_department": (decisions_per_department, True),
    "response_rates": (response_rates, False),
    "sms_delivery": (sms_delivery, False),
}
AUDIT_PAGE = 50
FINISHED_SMS = ["sent", "delivered", "failed"]


def _chart_titles() -> dict[str, str]:
    return {
        "appeals_per_month": _("Appeals per month"),
        "decisions_per_department": _("Outcomes per department (upheld / dismissed)"),
        "response_rates": _("How panel seats ended"),
        "sms_delivery": _("SMS delivery"),
    }


def _series(name: str, period):
    if name not in CHARTS:
        abort(404)
    build, stacked = CHARTS[name]
    kwargs = dict(session=get_session(), start=period.start, end=period.end)
    if name == "appeals_per_month":
        kwargs["tz"] = current_app.config["PANEL_TIMEZONE"]
    return build(**kwargs), stacked


@bp.get("/stats")
def stats():
    """Show the dashboard for a period: four charts and the headline figures."""
    period = period_from_request()
    session = get_session()
    seats, _stacked = _series("response_rates", period)
    sms, _stacked = _series("sms_delivery", period)
    figures = {
        "median_hours": median_hours_to_decision(
            session=session, start=period.start, end=period.end
        ),
        "response_rate": rate(seats, ["voted"], "seats"),
        # Of the texts the provider answered for: confirmed delivered, and given up on.
        "delivery_rate": rate(sms, ["delivered"], "messages", among=FINISHED_SMS),
        "failure_rate": rate(sms, ["failed"], "messages", among=FINISHED_SMS),
    }
    return render_template(
        "admin/stats.html", period=period, titles=_chart_titles(), figures=figures
    ), 400 if period.error else 200


@bp.get("/stats/<name>.svg")
def chart_svg(name: str):
    """Render one chart as SVG."""
    period = period_from_request()
    series, stacked = _series(name, period)
    return Response(bar_svg(series, _chart_titles()[name], stacked), mimetype="image/svg+xml")


@bp.get("/stats/<name>.csv")
def chart_csv(name: str):
    """Download the numbers behind one chart."""
    period = period_from_request()
    series, _stacked = _series(name, period)
    return Response(
        series_csv(series).encode("utf-8-sig"),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={name}.csv"},
    )


@bp.get("/fairness")
def fairness():
    """Compare each member's draws with a fair draw's expectation; re-check every draw."""
    period = period_from_request()
    session = get_session()
    records = draw_records(session=session, start=period.start, end=period.end)
    report = fairness_report(record for _appeal, record in records)
    names = panelists.names(session=session)
    replays = [
        replay_draw(session=session, appeal=session.get(Appeal, appeal_id))
        for appeal_id, _record in records
    ]
    failed = [r.reference for r in replays if not r.ok]
    return render_template(
        "admin/fairness.html",
        period=period,
        report=report,
        names=names,
        verdict=VERDICTS[report.verdict],
        replayed=len(replays),
        failed=failed,
    )


@bp.get("/audit")
def audit_events():
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
    )
    return render_template(
        "admin/audit.html",
        events=events,
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
def audit_verify():
    """Verify the whole hash chain (the same check as `panel audit verify`)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    report = verify_chain(session=get_session())
    return render_template("admin/audit_verify.html", report=report), 200 if report.ok else 409


@bp.get("/audit/export.jsonl")
def audit_export():
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


@bp.get("/outbox")
def outbox_problems():
    """List texts and webhooks that failed or are being retried, with attempts and errors."""
    session = get_session()
    messages = outbox.problems(session=session)
    references = listing.references(session=session, appeal_ids=[m.appeal_id for m in messages])
    failing = panelists.failing_numbers(session=session)
    return render_template(
        "admin/outbox.html", messages=messages, references=references, failing=failing
    )
