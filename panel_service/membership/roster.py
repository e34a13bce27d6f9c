"""Importing the panel roster from CSV: all rows or none, with a per-row report."""

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


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 as saved by Excel on Chinese Windows."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterInvalid(Refusal.NOT_UTF8_OR_GBK)


def read_rows(
    raw: bytes, aliases: Mapping[str, str] | None = None
) -> list[tuple[int, dict[str, str]]]:
    """The file's rows with their line numbers, cells trimmed; RosterInvalid if unusable.

    ``aliases`` maps headers as people write them (an export's ``手机号码``) to the column
    names (``mobile``), so a file exported in either language imports again.
    """
    aliases = aliases or {}
    reader = csv.DictReader(io.StringIO(decode(raw)))
    names = [aliases.get((h or "").strip(), (h or "").strip()) for h in reader.fieldnames or []]
    missing = REQUIRED_COLUMNS - set(names)
    if missing:
        raise RosterInvalid(Refusal.MISSING_COLUMNS, columns=sorted(missing))
    reader.fieldnames = names
    return [
        (line, {k: (v or "").strip() for k, v in row.items() if k})
        for line, row in enumerate(reader, start=2)
    ]


def import_roster(
    *,
    session: Session,
    raw: bytes,
    actor: str,
    now: datetime,
    aliases: Mapping[str, str] | None = None,
    categories: Mapping[str, str] | None = None,
) -> ImportResult:
    """Add every row as a panelist, or raise RosterInvalid having added none.

    ``categories`` maps a category as people write it (an export's ``政协委员``) to its code.
    """
    errors: dict[int, dict[str, Refusal]] = {}
    result = ImportResult()
    categories = categories or {}
    for line, row in read_rows(raw, aliases):
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
