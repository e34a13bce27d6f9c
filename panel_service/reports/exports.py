"""Exports for administrators: the roster (CSV, XLSX) and the audit trail (JSON lines)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from openpyxl import Workbook
from sqlmodel import Session, select

from ..membership.roster import FORMULA_STARTS, TEXT_MARK
from ..models import AuditEvent, Department, Panelist

ROSTER_COLUMNS = (
    "id",
    "name",
    "mobile",
    "category",
    "affiliation",
    "pledge_signed_on",
    "term_start",
    "term_end",
    "active",
    "mobile_failing_since",
)


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: object) -> object:
    """A CSV cell as text: a leading ``'`` before what a spreadsheet would evaluate (the
    mobile's ``+86`` too, which would otherwise turn into a number)."""
    return TEXT_MARK + value if is_formula_like(value) else value


def roster_rows(
    *,
    session: Session,
    yes_no: tuple[str, str] = ("yes", "no"),
    categories: Mapping[str, str] | None = None,
) -> list[list]:
    """The roster as rows matching ROSTER_COLUMNS (the import's columns come first-class);
    ``categories`` words each category (the import reads those words back)."""
    yes, no = yes_no
    categories = categories or {}
    codes = dict(session.exec(select(Department.id, Department.code)).all())
    return [
        [
            p.id,
            p.name,
            p.mobile,
            categories.get(str(p.category), str(p.category)),
            codes.get(p.affiliation_id, ""),
            p.pledge_signed_on.isoformat() if p.pledge_signed_on else "",
            p.term_start.isoformat(),
            p.term_end.isoformat(),
            yes if p.active else no,
            p.mobile_failing_since.isoformat() if p.mobile_failing_since else "",
        ]
        for p in session.exec(select(Panelist).order_by(Panelist.id))
    ]


def roster_csv(
    *,
    session: Session,
    headers: Sequence[str] = ROSTER_COLUMNS,
    yes_no: tuple[str, str] = ("yes", "no"),
    categories: Mapping[str, str] | None = None,
) -> bytes:
    """UTF-8 with a BOM, so Excel on Chinese Windows opens it correctly; no cell is a
    formula (``neutralise``). ``headers``,
    ``yes_no`` and ``categories`` are the words people read (the page's language); the
    import takes them back."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in roster_rows(session=session, yes_no=yes_no, categories=categories):
        writer.writerow([neutralise(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def roster_xlsx(
    *,
    session: Session,
    headers: Sequence[str] = ROSTER_COLUMNS,
    yes_no: tuple[str, str] = ("yes", "no"),
    categories: Mapping[str, str] | None = None,
    sheet_title: str = "panelists",
) -> bytes:
    """The roster as a workbook of one sheet, under the same headers as the CSV; text is
    stored as strings, never formulas."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    rows = roster_rows(session=session, yes_no=yes_no, categories=categories)
    for number, row in enumerate([list(headers), *rows], start=1):
        for column, value in enumerate(row, start=1):
            _text_cell(sheet, number, column, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text_cell(sheet, row: int, column: int, value: object) -> None:
    cell = sheet.cell(row=row, column=column)
    cell.value = value  # openpyxl makes a str starting with "=" a formula ...
    if isinstance(value, str):
        cell.data_type = "s"  # ... so it is stored as the string it is
        if is_formula_like(value):
            cell.quotePrefix = True  # as if typed with a leading ': editing keeps it text


def audit_jsonl(*, session: Session, start: datetime, end: datetime) -> Iterator[str]:
    """Events in [start, end) as JSON lines, with the hashes needed to check the chain."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.at >= start, AuditEvent.at < end)
        .order_by(AuditEvent.id)
    )
    for event in session.exec(query):
        yield (
            json.dumps(
                {
                    "id": event.id,
                    "at": event.at.isoformat(timespec="microseconds"),
                    "kind": str(event.kind),
                    "appeal_id": event.appeal_id,
                    "actor": event.actor,
                    "data": event.data,
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
