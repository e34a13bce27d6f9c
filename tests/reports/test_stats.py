"""Dashboard numbers, their charts and CSVs, and the exports."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from panel_service import timeutil
from panel_service.appeals.submission import create_appeal
from panel_service.models import Assignment
from panel_service.panel.lifecycle import record_vote
from panel_service.reports.charts import bar_svg, series_csv
from panel_service.reports.exports import ROSTER_COLUMNS, audit_jsonl, roster_csv, roster_xlsx
from panel_service.reports.stats import (
    appeals_per_month,
    decisions_per_department,
    median_hours_to_decision,
    rate,
    response_rates,
)

from .. import factories

SVG = "{http://www.w3.org/2000/svg}"


def _decide(session, appeal, rules, at, vote="agree"):
    seats = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).all()
    for seat in seats[:3]:
        record_vote(
            session=session,
            assignment=seat,
            vote=vote,
            opinion="意见充分,理由成立。",
            rules=rules,
            now=at,
        )


def test_dashboard_numbers(session, appeal, department, rules, now):
    later = now + timedelta(days=40)  # 2025-11-03, next month in Shanghai too
    second = create_appeal(
        session=session, data=factories.appeal_input(), submitted_by="t", rules=rules, now=later
    )
    _decide(session, appeal, rules, now + timedelta(hours=10))
    _decide(session, second, rules, later + timedelta(hours=30), vote="disagree")
    session.commit()
    start, end = now - timedelta(days=1), now + timedelta(days=90)
    months = appeals_per_month(session=session, start=start, end=end)
    assert (months.labels, months.columns["appeals"]) == (["2025-09", "2025-11"], [1, 1])
    decisions = decisions_per_department(session=session, start=start, end=end)
    assert decisions.labels == [department.name]
    assert decisions.columns == {"upheld": [1], "dismissed": [1]}
    assert median_hours_to_decision(session=session, start=start, end=end) == 20
    seats = response_rates(session=session, start=start, end=end)
    assert rate(seats, ["voted"], "seats") == 6 / 10
    # The period filter: only the first appeal is in September.
    september = appeals_per_month(session=session, start=start, end=now + timedelta(days=7))
    assert september.columns["appeals"] == [1]


# Around October 2025 in Beijing: the evening before, its first morning, the night after.
BEFORE_1_OCTOBER = datetime(2025, 9, 30, 15, 30, tzinfo=UTC)  # 23:30 on 30 Sep in Beijing
EARLY_1_OCTOBER = datetime(2025, 9, 30, 23, 0, tzinfo=UTC)  # 07:00 on 1 Oct in Beijing
AFTER_31_OCTOBER = datetime(2025, 10, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 Nov in Beijing


def submit_at(session, rules, *instants):
    made = [
        create_appeal(
            session=session, data=factories.appeal_input(), submitted_by="t", rules=rules, now=at
        )
        for at in instants
    ]
    session.commit()
    return made


def test_a_period_of_local_days_runs_from_beijing_midnight_to_beijing_midnight(
    session, pool, rules
):
    before, inside, after = submit_at(
        session, rules, BEFORE_1_OCTOBER, EARLY_1_OCTOBER, AFTER_31_OCTOBER
    )
    start, end = timeutil.day_range(date(2025, 10, 1), date(2025, 10, 31))
    months = appeals_per_month(session=session, start=start, end=end)
    assert (months.labels, months.columns["appeals"]) == (["2025-10"], [1])
    for appeal, hours in ((before, 1), (inside, 5), (after, 1)):
        appeal.decided_at = appeal.submitted_at + timedelta(hours=hours)
    session.commit()
    assert median_hours_to_decision(session=session, start=start, end=end) == 5


def test_chart_is_valid_svg_carrying_the_numbers(session):
    from panel_service.reports.stats import Series

    series = Series("x", ["市住建局", "市教育局"], {"upheld": [4, 1], "dismissed": [2, 7]})
    root = ET.fromstring(bar_svg(series, "部门申诉结果").encode())
    assert root.tag == f"{SVG}svg"
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"市住建局", "市教育局", "4", "1", "2", "7"} <= texts
    assert not list(root.iter(f"{SVG}script"))
    rows = list(csv.reader(io.StringIO(series_csv(series))))
    assert rows == [
        ["label", "upheld", "dismissed"],
        ["市住建局", "4", "2"],
        ["市教育局", "1", "7"],
    ]


def test_a_charts_csv_neutralises_labels_a_spreadsheet_would_evaluate():
    from panel_service.reports.stats import Series

    series = Series("x", ['=HYPERLINK("http://x")', "@SUM(A1)", "市教育局"], {"upheld": [1, 2, 3]})
    rows = list(csv.reader(io.StringIO(series_csv(series, "部门"))))
    assert [row[0] for row in rows] == ["部门", '\'=HYPERLINK("http://x")', "'@SUM(A1)", "市教育局"]
    assert [row[1] for row in rows[1:]] == ["1", "2", "3"]


def test_roster_exports(session, pool):
    rows = list(csv.reader(io.StringIO(roster_csv(session=session).decode("utf-8-sig"))))
    assert rows[0] == list(ROSTER_COLUMNS) and len(rows) == 21
    assert rows[1][2].startswith("'+86")  # kept text in Excel (tests/reports/test_exports.py)
    sheet = load_workbook(io.BytesIO(roster_xlsx(session=session))).active
    assert [c.value for c in sheet[1]] == list(ROSTER_COLUMNS)
    assert sheet.max_row == 21 and sheet.cell(2, 2).value == rows[1][1]


def test_audit_export_keeps_the_chain(session, appeal, now):
    lines = [
        json.loads(line) for line in audit_jsonl(session=session, start=now, end=now + timedelta(1))
    ]
    assert [e["kind"] for e in lines] == ["appeal.created", "panel.drawn"]
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    assert (
        list(audit_jsonl(session=session, start=now + timedelta(1), end=now + timedelta(2))) == []
    )


def test_rate_among_chosen_labels():
    from panel_service.reports.stats import Series

    sms = Series("sms", ["pending", "sent", "delivered", "failed"], {"messages": [5, 1, 2, 1]})
    assert rate(sms, ["delivered"], "messages", among=["sent", "delivered", "failed"]) == 0.5
    assert rate(sms, ["delivered"], "messages") == 2 / 9
    assert rate(Series("e", [], {"messages": []}), ["delivered"], "messages") is None


def test_months_are_counted_as_each_appeal_is_labelled(session, pool, rules):
    """Appeals either side of local month bounds, in the service zone and another one."""
    from collections import Counter

    bounds = [datetime(2025, m, 1, tzinfo=UTC) - timedelta(hours=8) for m in (7, 8, 10, 12)]
    instants = [b + timedelta(microseconds=d) for b in bounds for d in (-1, 0, 1)]
    instants += [datetime(2026, 1, 31, 20, 30, tzinfo=UTC), datetime(2026, 3, 1, 4, tzinfo=UTC)]
    submit_at(session, rules, *instants)
    start, end = bounds[0], datetime(2026, 3, 1, 4, tzinfo=UTC)  # the last one is left out
    for tz in (None, "America/Asuncion"):
        months = appeals_per_month(session=session, start=start, end=end, tz=tz)
        labelled = Counter(timeutil.localize(at, tz).strftime("%Y-%m")
                           for at in instants if start <= at < end)  # fmt: skip
        assert months.labels == sorted(labelled)
        assert months.columns["appeals"] == [labelled[m] for m in months.labels]
    later = appeals_per_month(session=session, start=end + timedelta(1), end=end + timedelta(2))
    assert (later.labels, later.columns) == ([], {"appeals": []})


@pytest.mark.parametrize("decided", [5, 6])
def test_the_median_is_the_one_of_every_appeals_hours(session, pool, rules, decided):
    """Durations a microsecond apart around the middle, an odd and an even count."""
    import statistics

    at = datetime(2025, 9, 24, 2, 0, 5, 250_000, tzinfo=UTC)
    appeals = submit_at(session, rules, *[at + timedelta(minutes=n) for n in range(7)])
    durations = [timedelta(hours=30), timedelta(hours=2), timedelta(hours=20, microseconds=1),
                 timedelta(hours=20), timedelta(hours=20, microseconds=999_999),
                 timedelta(days=9), timedelta(hours=20, microseconds=2)][:decided]  # fmt: skip
    for appeal, took in zip(appeals, durations, strict=False):
        appeal.decided_at = appeal.submitted_at + took
    session.commit()
    expected = statistics.median(d.total_seconds() / 3600 for d in durations)
    got = median_hours_to_decision(session=session, start=at, end=at + timedelta(days=1))
    assert got == expected  # to the last bit
