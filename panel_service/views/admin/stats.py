"""Statistics for a period: four charts, each with the CSV of its numbers, and headline
figures."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template
from flask_babel import gettext as _

from ...db import get_session
from ...enums import FINISHED_SMS, AssignmentState, OutboxStatus
from ...reports.charts import bar_svg, series_csv
from ...reports.stats import (
    Series,
    appeals_per_month,
    decisions_per_department,
    median_hours_to_decision,
    rate,
    response_rates,
    sms_delivery,
)
from ..labels import CHART_ROWS, label
from ..period import period_from_request

bp = Blueprint("stats", __name__)

# The table that words each chart's row labels (months and departments are their own words).
ROW_WORDS = {"response_rates": "seat_state", "sms_delivery": "outbox_status"}
CHARTS = {
    "appeals_per_month": (appeals_per_month, False),
    "decisions_per_department": (decisions_per_department, True),
    "response_rates": (response_rates, False),
    "sms_delivery": (sms_delivery, False),
}


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


def _worded(name: str, series: Series) -> Series:
    """The series as the page shows it: rows and columns in the page's language."""
    table = ROW_WORDS.get(name)
    return Series(
        series.title,
        [label(table, row) for row in series.labels] if table else list(series.labels),
        {label("chart_series", column): values for column, values in series.columns.items()},
    )


@bp.get("/stats")
def index():
    """Show the dashboard for a period: four charts and the headline figures."""
    period = period_from_request()
    session = get_session()
    seats, _stacked = _series("response_rates", period)
    sms, _stacked = _series("sms_delivery", period)
    figures = {
        "median_hours": median_hours_to_decision(
            session=session, start=period.start, end=period.end
        ),
        "response_rate": rate(seats, [AssignmentState.VOTED], "seats"),
        # Of the texts the provider answered for: confirmed delivered, and given up on.
        "delivery_rate": rate(sms, [OutboxStatus.DELIVERED], "messages", among=FINISHED_SMS),
        "failure_rate": rate(sms, [OutboxStatus.FAILED], "messages", among=FINISHED_SMS),
    }
    return render_template(
        "admin/stats.html", period=period, titles=_chart_titles(), figures=figures
    ), 400 if period.error else 200


@bp.get("/stats/<name>.svg")
def chart_svg(name: str):
    """Render one chart as SVG."""
    period = period_from_request()
    series, stacked = _series(name, period)
    svg = bar_svg(_worded(name, series), _chart_titles()[name], stacked, no_data=_("No data"))
    return Response(svg, mimetype="image/svg+xml", headers={"Vary": "Accept-Language"})


@bp.get("/stats/<name>.csv")
def chart_csv(name: str):
    """Download the numbers behind one chart."""
    period = period_from_request()
    series, _stacked = _series(name, period)
    return Response(
        series_csv(_worded(name, series), row_header=str(CHART_ROWS[name])).encode("utf-8-sig"),
        mimetype="text/csv",  # Flask adds "; charset=utf-8"
        headers={
            "Content-Disposition": f"attachment; filename={name}.csv",
            "Vary": "Accept-Language",
        },
    )
