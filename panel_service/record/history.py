"""Who each member was at a given moment, read back from the membership chain.

Membership events carry the facts a draw depends on (category, affiliation, term, pledge,
whether active or retired, a failing number) but never a name or a number, so replays and
outside verifiers can check every reason a candidate was passed over. A member whose
``panelist.added`` event predates those facts (revision 0007) is unknown here: their
reasons are not checked, and the replay says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlmodel import Session, col, select

from ..enums import AuditKind
from ..models import AuditEvent, Panelist
from .audit import MEMBERSHIP_CHAIN

FIELDS = ("category", "affiliation", "term_start", "term_end", "pledge_signed_on")


@dataclass(frozen=True)
class MemberState:
    category: str | None = None
    affiliation: str | None = None  # the department's code
    term_start: date | None = None
    term_end: date | None = None
    pledge_signed_on: date | None = None
    active: bool = True
    retired: bool = False
    mobile_failing: bool = False


def facts(panelist: Panelist, affiliation_code: str | None) -> dict:
    """What a membership event records about a member (no name, no number)."""
    return {
        "category": str(panelist.category),
        "affiliation": affiliation_code,
        "term_start": panelist.term_start.isoformat(),
        "term_end": panelist.term_end.isoformat(),
        "pledge_signed_on": panelist.pledge_signed_on.isoformat()
        if panelist.pledge_signed_on
        else None,
        "active": panelist.active,
        "mobile_failing": panelist.mobile_failing_since is not None,
    }


def _parse(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def apply(state: MemberState, data: dict) -> MemberState:
    """One membership event's effect on a member's state."""
    change = data.get("change")
    updates = {k: _parse(data[k]) if k.startswith(("term", "pledge")) else data[k]
               for k in (*FIELDS, "active", "mobile_failing") if k in data}  # fmt: skip
    if "state" in data:
        updates.update(
            {k: _parse(v) if k.startswith(("term", "pledge")) else v
             for k, v in data["state"].items()}
        )  # fmt: skip
    if change == "suspended":
        updates["active"] = False
    elif change == "retired":
        updates.update(active=False, retired=True)
    elif change == "activated":
        updates["active"] = True
    return replace(state, **updates)


class History:
    """Members' states over time, from the membership events."""

    def __init__(self, events: list[tuple[datetime, dict]]):
        self.events = sorted(events, key=lambda e: e[0])

    @classmethod
    def load(cls, session: Session) -> History:
        rows = session.exec(
            select(AuditEvent.at, AuditEvent.data)
            .where(
                AuditEvent.chain == MEMBERSHIP_CHAIN,
                col(AuditEvent.kind).in_([AuditKind.PANELIST_ADDED, AuditKind.PANELIST_CHANGED]),
            )
            .order_by(AuditEvent.seq)
        ).all()
        return cls([(at, json.loads(data)) for at, data in rows])

    def at(self, panelist_id: int, moment: datetime) -> MemberState | None:
        """The member's state at ``moment``, or None if their facts were never recorded."""
        state = None
        for at, data in self.events:
            if at > moment:
                break
            if data.get("panelist") != panelist_id:
                continue
            facts_in = data.get("state", data)
            if state is None and "category" in facts_in and "term_start" in facts_in:
                state = apply(MemberState(), data)
            elif state is not None:
                state = apply(state, data)
        return state


def changes(*, session: Session, start: datetime, end: datetime) -> list[dict]:
    """Membership changes in [start, end), newest first: who joined, was suspended,
    reinstated, retired or edited, or whose number failed (by member id; no names)."""
    rows = session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.chain == MEMBERSHIP_CHAIN,
            col(AuditEvent.kind).in_([AuditKind.PANELIST_ADDED, AuditKind.PANELIST_CHANGED]),
            AuditEvent.at >= start,
            AuditEvent.at < end,
        )
        .order_by(col(AuditEvent.seq).desc())
    ).all()
    out = []
    for event in rows:
        data = json.loads(event.data)
        change = "joined" if event.kind == AuditKind.PANELIST_ADDED else data.get("change")
        if data.get("mobile_failing") is True and change is None:
            change = "mobile_failing"
        out.append({"at": event.at, "panelist": data.get("panelist"), "change": change,
                    "category": data.get("category") or data.get("state", {}).get("category")})
    return out
