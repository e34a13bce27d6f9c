"""Work orders that got more than one live appeal before their numbers had one spelling.

Until revision 0010 ``XN20261201000777``, ``ｘｎ２０２６１２０１０００７７７``, the same with a
zero-width space or with a Cyrillic ``Х`` were different work orders, each with its own
live appeal and panel. This finds them; it never changes or deletes anything: which appeal
stands is for hotline staff to decide (withdraw the others). Revision 0010 logs the report
once; ``flask --app wsgi panel appeals duplicates`` prints it at any time.

Grouping is looser than ``work_order_numbers.canonical``, which refuses look-alikes: here
look-alike letters and any script's decimal digits are read as the Latin letter or digit
they imitate, so a squatter's spelling lands in the group it imitates.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, select

from ..enums import LIVE_APPEAL_STATUSES
from ..models import Appeal, Department
from .work_order_numbers import folded

# Cyrillic and Greek capitals (after upper-casing) that look like Latin ones.
LOOK_ALIKES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУҮ" "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "ABESIJKMHOPCTXYY" "ABEZHIKMNOPTYX",
)


@dataclass(frozen=True)
class Filed:
    """One appeal as the report needs it."""

    appeal_id: int
    reference: str
    work_order_no: str  # as stored
    department: str  # code
    status: str


@dataclass(frozen=True)
class Group:
    """Appeals that are, read loosely, for one work order."""

    number: str  # the loose reading
    appeals: tuple[Filed, ...]

    @property
    def live(self) -> tuple[Filed, ...]:
        return tuple(a for a in self.appeals if a.status in LIVE_APPEAL_STATUSES)

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(sorted({a.department for a in self.appeals}))


def loose(text: str) -> str:
    """The work order a spelling imitates: folded, look-alikes and foreign digits read as ASCII."""
    text = folded(text).translate(LOOK_ALIKES)
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None) is not None
        else c
        for c in text
    )  # fmt: skip


@dataclass(frozen=True)
class Report:
    duplicated: tuple[Group, ...]  # more than one live appeal
    shared: tuple[Group, ...]  # appeals by more than one department

    @property
    def clean(self) -> bool:
        return not self.duplicated and not self.shared


def report(appeals: list[Filed]) -> Report:
    """The groups with more than one live appeal, and those filed by several departments."""
    groups: dict[str, list[Filed]] = defaultdict(list)
    for appeal in appeals:
        groups[loose(appeal.work_order_no)].append(appeal)
    found = [Group(number, tuple(sorted(rows, key=lambda a: a.appeal_id)))
             for number, rows in sorted(groups.items())]  # fmt: skip
    return Report(
        duplicated=tuple(g for g in found if len(g.live) > 1),
        shared=tuple(g for g in found if len(g.departments) > 1),
    )


def lines(found: Report) -> list[str]:
    """The report as plain lines, for the log and the terminal (no personal data in it)."""
    out = []
    for group in found.duplicated:
        live = ", ".join(f"{a.reference} ({a.department}, {a.status}, {a.work_order_no!a})"
                         for a in group.live)  # fmt: skip
        out.append(f"work order {group.number}: {len(group.live)} live appeals: {live}")
    for group in found.shared:
        out.append(
            f"work order {group.number}: appealed by {', '.join(group.departments)};"
            " set its department with PUT /api/v1/work-orders/{number}"
        )
    return out


def filed(*, session: Session) -> list[Filed]:
    """Every appeal, as the report reads it."""
    rows = session.exec(
        select(Appeal.id, Appeal.reference, Appeal.work_order_no, Department.code, Appeal.status)
        .join(Department, Department.id == Appeal.department_id)
        .order_by(Appeal.id)
    ).all()
    return [Filed(*row) for row in rows]
