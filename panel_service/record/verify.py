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

from sqlmodel import Session, col, select

from ..enums import AppealStatus, AssignmentState, AuditKind
from ..models import Appeal, Assignment, AuditCheckpoint, AuditEvent
from . import checkpoints, seals
from .audit import event_data, iso

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


def cross_check(*, session: Session) -> list[str]:
    """Problems where the tables and the events tell different stories."""
    problems = []
    seated_by: dict[int, set[int]] = {}
    seals_of: dict[int, str] = {}
    last_status: dict[int, AppealStatus] = {}
    opened: dict[int, list[dict]] = {}
    # Columns, not ORM objects, and only the kinds read below (a million events; see
    # BENCHMARKS.md, "audit verify"); the data is parsed only where it is read.
    with_data = {AuditKind.PANEL_DRAWN, AuditKind.REPLACEMENT, AuditKind.VOTE_RECORDED}
    with_data.add(AuditKind.DECISION)
    kinds = with_data | set(STATUS_EVENTS)
    for event in session.execute(
        select(AuditEvent.appeal_id, AuditEvent.kind, AuditEvent.data)
        .where(col(AuditEvent.appeal_id).is_not(None), col(AuditEvent.kind).in_(kinds))
        .order_by(AuditEvent.id)
    ):
        data = event_data(event) if event.kind in with_data else {}
        if event.kind == AuditKind.PANEL_DRAWN:
            seated_by.setdefault(event.appeal_id, set()).update(
                data.get("picked", []) + data.get("kept", [])
            )
        elif event.kind == AuditKind.REPLACEMENT:
            seated_by.setdefault(event.appeal_id, set()).add(data["picked"])
        elif event.kind == AuditKind.VOTE_RECORDED and "seal" in data:
            seals_of[data["assignment"]] = data["seal"]
        if event.kind == AuditKind.DECISION and "opened" in data:
            opened[event.appeal_id] = data["opened"]
        if event.kind in STATUS_EVENTS:
            last_status[event.appeal_id] = STATUS_EVENTS[event.kind]
    appeals = {
        a.id: a
        for a in session.execute(
            select(Appeal.id, Appeal.reference, Appeal.status, Appeal.decision)
        )
    }
    seat_columns = ("id", "appeal_id", "panelist_id", "state", "seal", "vote", "opinion")
    for seat in session.execute(
        select(*(getattr(Assignment, c) for c in seat_columns), Assignment.seal_salt).order_by(
            Assignment.id
        )
    ):
        appeal = appeals[seat.appeal_id]
        if seat.panelist_id not in seated_by.get(seat.appeal_id, set()):
            problems.append(f"{appeal.reference}: seat {seat.id} was seated by no event")
        if seat.state == AssignmentState.VOTED and seat.seal is not None:
            ref = appeal.reference
            opening = seals.Opened(
                seat.id, str(seat.vote), seals.opinion_digest(seat.opinion or ""), seat.seal_salt
            )
            if seals_of.get(seat.id) != seat.seal:
                problems.append(f"{ref}: seat {seat.id}'s seal is not the audited one")
            elif not seals.opens(reference=ref, seal=seat.seal, opened=opening):
                problems.append(f"{ref}: seat {seat.id}'s seal does not open to its vote")
    for appeal_id, appeal in appeals.items():
        said = last_status.get(appeal_id)
        if said is not None and said != appeal.status:
            problems.append(f"{appeal.reference}: status {appeal.status}, its events say {said}")
        if appeal_id in opened:
            problems += _decision_problems(appeal, opened[appeal_id], seals_of)
    return problems


def _decision_problems(appeal: Appeal, opened: list[dict], seals_of: dict[int, str]) -> list:
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
