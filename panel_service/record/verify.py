"""The whole record checked: the chains against the signed checkpoints, and the tables
against the events.

``panel audit verify`` runs ``audit.verify_chain`` (every chain links and hashes), then
``against_checkpoints`` (every checkpoint's root and signature, and today's chains against
the latest one and any older one a mirror kept: a chain must still hold the head it had
then, at the same position — append-only), then ``cross_check`` (every seat has the event
that seated it, every vote its seal and every decision the votes its seals open to, every
appeal the status its last event says).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlmodel import Session, select

from ..enums import AppealStatus, AssignmentState, AuditKind
from ..models import AuditCheckpoint, AuditEvent
from . import checkpoints, draw_summary, seals, walk
from .audit import ChainReport, iso
from .walk import instant_text

STATUS_EVENTS = {
    AuditKind.PANEL_DRAWN: AppealStatus.OPEN,
    AuditKind.DECISION: AppealStatus.DECIDED,
    AuditKind.STALLED: AppealStatus.STALLED,
    AuditKind.WITHDRAWAL: AppealStatus.WITHDRAWN,
}


@dataclass
class RecordReport:
    checkpoints: int = 0
    signatures_checked: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _head_at(session: Session, chain: str, seq: int) -> AuditEvent | None:
    return session.exec(
        select(AuditEvent).where(AuditEvent.chain == chain, AuditEvent.seq == seq)
    ).first()


def chains_hold(session: Session, heads: checkpoints.Heads, label: str) -> list[str]:
    """Problems where today's chains no longer hold the heads of ``heads``."""
    problems = []
    for chain in sorted(heads):
        length, head = heads[chain]
        if length == 0:
            continue
        event = _head_at(session, chain, length)
        if event is None:
            problems.append(f"{label}: chain {chain} had {length} events; its tail is gone")
        elif event.hash != head:
            problems.append(
                f"{label}: chain {chain} was rewritten at or before event {event.id}"
                f" (position {length})"
            )
    return problems


def against_checkpoints(
    *, session: Session, public_raw: bytes | None, mirrored: list[dict] = ()
) -> RecordReport:
    """Check every checkpoint, and today's chains against the latest and ``mirrored`` ones."""
    report = RecordReport(signatures_checked=public_raw is not None)
    heads: checkpoints.Heads = {}
    rows = session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    for row in rows:
        for chain, length, head in json.loads(row.changed):
            heads[chain] = (length, head)
        _check_signed(report, f"checkpoint {row.id}", heads, iso(row.at), row.root, row.size,
                      row.signature, public_raw)  # fmt: skip
    report.checkpoints = len(rows)
    if rows:
        report.problems += chains_hold(session, heads, f"checkpoint {rows[-1].id}")
    for old in mirrored:
        theirs = {c: (n, h) for c, n, h in old["chains"]}
        _check_signed(report, f"mirrored checkpoint {old.get('id')}", theirs, old["at"],
                      old["root"], old["size"], old["signature"], public_raw)  # fmt: skip
        report.problems += chains_hold(session, theirs, f"mirrored checkpoint {old.get('id')}")
    return report


def _check_signed(report, label, heads, at, root, size, signature, public_raw) -> None:
    if checkpoints.root_of(heads) != root or len(heads) != size:
        report.problems.append(f"{label}: its chains do not give its root")
    elif public_raw is not None and not checkpoints.signature_valid(
        public_raw=public_raw, data=checkpoints.message(at=at, root=root, size=size),
        signature=signature,
    ):  # fmt: skip
        report.problems.append(f"{label}: the signature does not verify")


class Facts:
    """What the cross-check needs from the events, taken in any order (the chain walk
    hands them over chain by chain, the cross-check alone in the order of their ids)."""

    WITH_DATA = frozenset({AuditKind.PANEL_DRAWN, AuditKind.REPLACEMENT,
                           AuditKind.VOTE_RECORDED, AuditKind.DECISION})  # fmt: skip
    KINDS = WITH_DATA | frozenset(STATUS_EVENTS)

    def __init__(self) -> None:
        self.seated_by: dict[int, set[int]] = {}
        # By assignment or appeal: (id of the event that said it, what it said); the latest
        # event is the one that counts, whichever order the events came in.
        self.seals: dict[int, tuple[int, str]] = {}
        self.status: dict[int, tuple[int, AppealStatus]] = {}
        self.opened: dict[int, tuple[int, list[dict]]] = {}
        self.draws: dict[int, tuple] = {}  # event id: its fairness summary, as it must be

    def see(self, ident: int, appeal_id: int | None, kind: str, data: str, at: str) -> None:
        """Take in one event (``at`` as ``walk.instant_text`` writes it)."""
        if appeal_id is None or kind not in self.KINDS:
            return
        if kind in STATUS_EVENTS:
            _latest(self.status, appeal_id, ident, STATUS_EVENTS[kind])
        if kind not in self.WITH_DATA:
            return
        data = json.loads(data)
        if kind == AuditKind.PANEL_DRAWN:
            self.seated_by.setdefault(appeal_id, set()).update(
                data.get("picked", []) + data.get("kept", [])
            )
            rows = draw_summary.rows_for(event_id=ident, appeal_id=appeal_id, at=at, data=data)
            if rows is not None:
                pool, _draw, picks = rows
                self.draws[ident] = draw_summary.Kept(
                    appeal_id, at, pool["digest"],
                    frozenset(p["panelist_id"] for p in picks),
                )
        elif kind == AuditKind.REPLACEMENT:
            self.seated_by.setdefault(appeal_id, set()).add(data["picked"])
        elif kind == AuditKind.VOTE_RECORDED and "seal" in data:
            _latest(self.seals, data["assignment"], ident, data["seal"])
        elif kind == AuditKind.DECISION and "opened" in data:
            _latest(self.opened, appeal_id, ident, data["opened"])


class _Appeal(NamedTuple):
    reference: str
    status: str
    decision: str | None


def _latest(found: dict, key: int, ident: int, value) -> None:
    if key not in found or found[key][0] < ident:
        found[key] = (ident, value)


def gather(*, session: Session) -> Facts:
    """The cross-check's facts, read from the events on their own."""
    facts = Facts()
    kinds = ", ".join(f"'{kind}'" for kind in sorted(Facts.KINDS))
    for ident, appeal_id, kind, data, at in walk.rows(
        session,
        "SELECT id, appeal_id, kind, data, at FROM audit_event"
        f" WHERE appeal_id IS NOT NULL AND kind IN ({kinds})",
    ):
        facts.see(ident, appeal_id, kind, data, instant_text(at))
    return facts


def cross_check(*, session: Session, facts: Facts | None = None) -> list[str]:
    """Problems where the tables and the events tell different stories (``facts``: what the
    chain walk gathered on its way, or they are read here)."""
    facts = gather(session=session) if facts is None else facts
    problems = []
    seals_of = {assignment: seal for assignment, (_id, seal) in facts.seals.items()}
    appeals = {
        row[0]: _Appeal(*row[1:])
        for row in walk.rows(session, "SELECT id, reference, status, decision FROM appeal")
    }
    for ident, appeal_id, panelist_id, state, seal, vote, opinion, salt in walk.rows(
        session,
        "SELECT id, appeal_id, panelist_id, state, seal, vote, opinion, seal_salt"
        " FROM assignment ORDER BY id",
    ):
        ref = appeals[appeal_id].reference
        if panelist_id not in facts.seated_by.get(appeal_id, ()):
            problems.append(f"{ref}: seat {ident} was seated by no event")
        if state == AssignmentState.VOTED and seal is not None:
            opening = seals.Opened(ident, str(vote), seals.opinion_digest(opinion or ""), salt)
            if seals_of.get(ident) != seal:
                problems.append(f"{ref}: seat {ident}'s seal is not the audited one")
            elif not seals.opens(reference=ref, seal=seal, opened=opening):
                problems.append(f"{ref}: seat {ident}'s seal does not open to its vote")
    for appeal_id, appeal in appeals.items():
        said = facts.status.get(appeal_id)
        if said is not None and said[1] != appeal.status:
            problems.append(f"{appeal.reference}: status {appeal.status}, its events say {said[1]}")
        if appeal_id in facts.opened:
            problems += _decision_problems(appeal, facts.opened[appeal_id][1], seals_of)
    for appeal_id, event_id in draw_summary.differences(session=session, kept=facts.draws):
        ref = appeals[appeal_id].reference if appeal_id in appeals else f"appeal {appeal_id}"
        problems.append(f"{ref}: the fairness summary of draw event {event_id} is not the event's")
    return problems


def _decision_problems(appeal: _Appeal, opened: list[dict], seals_of: dict[int, str]) -> list:
    problems = []
    for item in opened:
        seal = seals_of.get(item["assignment"])
        if seal is None or not seals.opens(
            reference=appeal.reference, seal=seal, opened=seals.Opened(**item)
        ):
            problems.append(
                f"{appeal.reference}: the decision opens seat {item['assignment']} to a vote"
                " its seal does not hold"
            )
    agree = sum(i["vote"] == "agree" for i in opened)
    decided = "upheld" if agree > len(opened) - agree else "dismissed"
    if str(appeal.decision) != decided:
        problems.append(
            f"{appeal.reference}: decided {appeal.decision}, its opened votes say {decided}"
        )
    return problems


def check_all(
    *, session: Session, public_raw: bytes | None, mirrored: list[dict] = ()
) -> tuple[ChainReport, RecordReport | None, list[str]]:
    """Everything ``panel audit verify`` checks: the chains, in one pass that also gathers
    the cross-check's facts; then, if they hold, the checkpoints and the tables."""
    facts = Facts()
    report = walk.walk_chains(session=session, on_event=facts.see)
    if not report.ok:
        return report, None, []
    record = against_checkpoints(session=session, public_raw=public_raw, mirrored=mirrored)
    return report, record, record.problems + cross_check(session=session, facts=facts)
