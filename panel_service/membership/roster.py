"""Importing the panel roster from CSV: all rows or none, with a per-row report.

The file is parsed (``read_rows``) before anything is written (``add_rows``), so a preview
holds no write lock while it reads a large file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from ..enums import Refusal
from ..refusals import Refused
from .panelists import PanelistInput, PanelistInvalid, add_panelist

COLUMNS = (
    "name",
    "mobile",
    "category",
    "affiliation",
    "pledge_signed_on",
    "term_start",
    "term_end",
)
REQUIRED_COLUMNS = {"name", "mobile", "category", "term_start", "term_end"}
MAX_ROWS = 2000  # PANEL_ROSTER_MAX_ROWS
# A cell starting with one of these is a formula, or the start of one, to Excel and WPS
# (OWASP's CSV-injection advice): exports put TEXT_MARK before it and imports take it off.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


class RosterInvalid(Refused):
    """The file cannot be imported (``code`` says why); ``rows`` maps line numbers to each
    field's ``Refusal``."""

    def __init__(
        self, code: Refusal, rows: dict[int, dict[str, Refusal]] | None = None, **params
    ):
        super().__init__(code, **params)
        self.rows = rows or {}


@dataclass
class ImportResult:
    added: list[int] = field(default_factory=list)


def _line_of(raw: bytes, position: int) -> int:
    return raw.count(b"\n", 0, position) + 1


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 as saved by Excel on Chinese Windows.

    Never a guess: a file whose lines are partly UTF-8 (read as GB18030, 王五 would come back
    as 鐜嬩簲) or that neither encoding reads is refused with the first line at fault.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = _line_of(raw, exc.start)
    # A line of Chinese that is valid UTF-8 says the file was written as UTF-8.
    for line in raw.split(b"\n"):
        if not line.isascii() and _is_utf8(line):
            raise RosterInvalid(Refusal.MIXED_ENCODING, line=first_bad)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise RosterInvalid(Refusal.NOT_UTF8_OR_GBK, line=_line_of(raw, exc.start)) from None


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _cell(value: str | None) -> str:
    """A cell trimmed, without the quote an export puts before what a spreadsheet would
    take for a formula (``'=...``, ``'+86...``)."""
    value = value or ""
    if value.startswith(TEXT_MARK) and value[1:].startswith(FORMULA_STARTS):
        value = value[1:]
    return value.strip()


def read_rows(
    raw: bytes, aliases: Mapping[str, str] | None = None, *, max_rows: int = MAX_ROWS
) -> list[tuple[int, dict[str, str]]]:
    """The file's rows with their line numbers, cells trimmed; RosterInvalid if unusable.

    ``aliases`` maps headers as people write them (an export's ``手机号码``) to the column
    names (``mobile``), so a file exported in either language imports again. Only parses:
    it touches no database, so callers run it before their transaction begins.
    """
    aliases = aliases or {}
    reader = csv.reader(io.StringIO(decode(raw)))
    header = next(reader, [])
    names = [aliases.get(h.strip(), h.strip()) for h in header]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise RosterInvalid(Refusal.DUPLICATE_COLUMNS, columns=repeated)
    missing = REQUIRED_COLUMNS - set(names)
    if missing:
        raise RosterInvalid(Refusal.MISSING_COLUMNS, columns=sorted(missing))
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue  # blank lines, as DictReader skipped them
        if len(rows) == max_rows:
            raise RosterInvalid(Refusal.TOO_MANY_ROWS, limit=max_rows)
        row = {n: _cell(v) for n, v in zip(names, cells, strict=False) if n}
        rows.append((reader.line_num, row))
    return rows


def add_rows(
    *,
    session: Session,
    rows: list[tuple[int, dict[str, str]]],
    actor: str,
    now: datetime,
    categories: Mapping[str, str] | None = None,
) -> ImportResult:
    """Add every parsed row as a panelist, or raise RosterInvalid having added none.

    ``categories`` maps a category as people write it (an export's ``政协委员``) to its code.
    """
    errors: dict[int, dict[str, Refusal]] = {}
    result = ImportResult()
    categories = categories or {}
    for line, row in rows:
        row["category"] = categories.get(row.get("category", ""), row.get("category", ""))
        data = PanelistInput(**{c: row.get(c) or None for c in COLUMNS})
        try:
            with session.begin_nested():
                panelist = add_panelist(session=session, data=data, actor=actor, now=now)
        except PanelistInvalid as exc:
            errors[line] = exc.errors
            continue
        result.added.append(panelist.id)
    if errors:
        raise RosterInvalid(Refusal.ROWS_INVALID, errors, count=len(errors))
    if not result.added:
        raise RosterInvalid(Refusal.NO_ROWS)
    return result


def import_roster(
    *,
    session: Session,
    raw: bytes,
    actor: str,
    now: datetime,
    aliases: Mapping[str, str] | None = None,
    categories: Mapping[str, str] | None = None,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Parse the file, then add every row (``read_rows``, ``add_rows``): all or none."""
    rows = read_rows(raw, aliases, max_rows=max_rows)
    return add_rows(session=session, rows=rows, actor=actor, now=now, categories=categories)
