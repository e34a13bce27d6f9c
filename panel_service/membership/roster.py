"""Importing the panel roster from CSV: all rows or none, with a per-row report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

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


class RosterInvalid(Exception):
    """The file cannot be imported; ``rows`` maps line numbers to field errors."""

    def __init__(self, message: str, rows: dict[int, dict[str, str]] | None = None):
        super().__init__(message)
        self.rows = rows or {}


@dataclass
class ImportResult:
    added: list[int] = field(default_factory=list)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 as saved by Excel on Chinese Windows."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterInvalid("the file is neither UTF-8 nor GBK/GB18030 text")


def read_rows(raw: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows with their line numbers, cells trimmed; RosterInvalid if unusable."""
    reader = csv.DictReader(io.StringIO(decode(raw)))
    header = {h.strip() for h in (reader.fieldnames or []) if h}
    missing = REQUIRED_COLUMNS - header
    if missing:
        raise RosterInvalid("missing columns: " + ", ".join(sorted(missing)))
    return [
        (line, {(k or "").strip(): (v or "").strip() for k, v in row.items() if k})
        for line, row in enumerate(reader, start=2)
    ]


def import_roster(*, session: Session, raw: bytes, actor: str, now: datetime) -> ImportResult:
    """Add every row as a panelist, or raise RosterInvalid having added none."""
    errors: dict[int, dict[str, str]] = {}
    result = ImportResult()
    for line, row in read_rows(raw):
        data = PanelistInput(**{c: row.get(c) or None for c in COLUMNS})
        try:
            with session.begin_nested():
                panelist = add_panelist(session=session, data=data, actor=actor, now=now)
        except PanelistInvalid as exc:
            errors[line] = exc.errors
            continue
        result.added.append(panelist.id)
    if errors:
        raise RosterInvalid(f"{len(errors)} rows have errors; nothing was imported", errors)
    if not result.added:
        raise RosterInvalid("the file has no rows")
    return result
