"""Importing the panel roster from CSV: all rows or none, with a per-row report.

The file is parsed (``read_rows``) before any transaction; the preview only reads
(``check_rows``), the import adds every row (``add_rows``) and both refuse the same rows.
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
from .panelists import (
    MobileInvalid,
    PanelistInput,
    PanelistInvalid,
    add_panelist,
    normalize_mobile,
    validate,
)

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


def _inputs(rows, categories: Mapping[str, str] | None):
    categories = categories or {}
    for line, row in rows:
        category = row.get("category", "")
        # A new dict: the rows themselves stay as written (the preview shows them).
        row = {**row, "category": categories.get(category, category)}
        yield line, PanelistInput(**{c: row.get(c) or None for c in COLUMNS})


def _verdict(errors: dict[int, dict[str, Refusal]], good: int) -> None:
    if errors:
        raise RosterInvalid(Refusal.ROWS_INVALID, errors, count=len(errors))
    if not good:
        raise RosterInvalid(Refusal.NO_ROWS)


def _mobile_or_none(raw: str | None) -> str | None:
    try:
        return normalize_mobile(raw)
    except MobileInvalid:
        return None


def check_rows(
    *,
    session: Session,
    rows: list[tuple[int, dict[str, str]]],
    categories: Mapping[str, str] | None = None,
) -> None:
    """Raise the RosterInvalid that ``add_rows`` would, writing nothing (the preview).

    Only reads: no row is inserted and rolled back, so on SQLite a preview of a long file
    does not keep other writers waiting while every row is audited and undone.
    """
    errors: dict[int, dict[str, Refusal]] = {}
    mobiles: set[str] = set()  # of the rows add_rows would have added before this one
    for line, data in _inputs(rows, categories):
        try:
            mobile, problems = validate(session=session, data=data)["mobile"], {}
        except PanelistInvalid as exc:
            mobile, problems = _mobile_or_none(data.mobile), dict(exc.errors)
        if mobile in mobiles and "mobile" not in problems:
            problems["mobile"] = Refusal.MOBILE_TAKEN
        if problems:
            errors[line] = problems
        else:
            mobiles.add(mobile)
    _verdict(errors, len(rows) - len(errors))


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
    for line, data in _inputs(rows, categories):
        try:
            with session.begin_nested():
                panelist = add_panelist(session=session, data=data, actor=actor, now=now)
        except PanelistInvalid as exc:
            errors[line] = exc.errors
            continue
        result.added.append(panelist.id)
    _verdict(errors, len(result.added))
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
