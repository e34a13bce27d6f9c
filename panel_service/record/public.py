"""The public record: what anyone may see and download, with no citizen's data in it.

Members appear by their public code (``P07``: "P" and the member's id, two digits at
least), never by name. The bundle (``bundle``) is everything an outside verifier needs for
a period: the epochs, the membership chain, each appeal's chain, the checkpoints and the
public key; README documents every field.

Before an appeal is decided nobody but the panelist may learn how its panel is leaning or
who is still to vote. So until the decision the record shows an appeal's draw receipt only:
how its panel was drawn and changed (``DRAW_KINDS``), never a seal, a vote, a visit, a
pledge or a recusal's own event, nothing that moves when someone votes. The seals are in
the appeal's chain from the moment of each vote (the signed checkpoints commit to them);
the decision publishes the whole chain, seals and the decision that opens them. An appeal
withdrawn or stalled is never decided: its votes were never counted and stay unpublished
(a resubmission keeps its panel, so even their number would say how that panel leans).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, col, select

from ..enums import AppealStatus, AuditKind
from ..models import Appeal, AuditCheckpoint, AuditEvent, Department
from ..timeutil import zone
from . import checkpoints, epochs
from .audit import LEGACY_CHAIN, MEMBERSHIP_CHAIN, canonical_json, chain_of, iso

BUNDLE_FORMAT = "panel-bundle-v1"
# What of an undecided appeal's chain is public: the draw and every change to the panel.
DRAW_KINDS = (
    AuditKind.APPEAL_CREATED,
    AuditKind.PANEL_DRAWN,
    AuditKind.REPLACEMENT,
    AuditKind.STALLED,
    AuditKind.SEAT_CLOSED,
    AuditKind.WITHDRAWAL,
)
# Fields of those events left out before the decision: the seats still pending when the
# appeal was withdrawn (the others had voted).
HELD_BACK = {AuditKind.WITHDRAWAL: ("closed",)}


def code(panelist_id: int | None) -> str | None:
    """A member's public code."""
    return None if panelist_id is None else f"P{panelist_id:02d}"


def event_json(event: AuditEvent) -> dict:
    """An event exactly as hashed: ``data`` stays the JSON text that went into the hash."""
    return {
        "id": event.id,
        "chain": event.chain,
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "kind": str(event.kind),
        "appeal": event.appeal_id,
        "actor": event.actor,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def votes_public(status: str) -> bool:
    """Whether an appeal's seals, votes and visits are public: once it is decided."""
    return status == AppealStatus.DECIDED


def draw_event_json(event: AuditEvent) -> dict:
    """An event of an undecided appeal's draw receipt: its content without its place in the
    chain (no id, position or hashes: they would count the events held back)."""
    data = event.data
    if event.kind in HELD_BACK:
        kept = {k: v for k, v in json.loads(data).items() if k not in HELD_BACK[event.kind]}
        data = canonical_json(kept)
    return {
        "at": event.at.isoformat(timespec="microseconds"),
        "kind": str(event.kind),
        "appeal": event.appeal_id,
        "actor": event.actor,
        "data": data,
    }


def chain_events(session: Session, chain: str) -> list[AuditEvent]:
    return list(
        session.exec(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq))
    )


def appeal_summary(appeal: Appeal, department: Department, predecessor: str | None) -> dict:
    return {
        "reference": appeal.reference,
        "appeal_id": appeal.id,
        "department": department.code,
        "department_name": department.name,
        "status": str(appeal.status),
        "decision": str(appeal.decision) if appeal.decision else None,
        "submitted_at": iso(appeal.submitted_at),
        "deadline": iso(appeal.deadline),
        "decided_at": iso(appeal.decided_at),
        "predecessor": predecessor,
        "chain": chain_of(appeal.id),
    }


def appeals_in(
    *, session: Session, start: datetime, end: datetime, limit: int | None = None
) -> list[dict]:
    """Appeals submitted in [start, end), newest first, as the public list shows them."""
    query = (
        select(Appeal, Department)
        .join(Department, col(Department.id) == Appeal.department_id)
        .where(Appeal.submitted_at >= start, Appeal.submitted_at < end)
        .order_by(col(Appeal.submitted_at).desc(), col(Appeal.id).desc())
    )
    if limit:
        query = query.limit(limit)
    rows = session.exec(query).all()
    ids = {a.predecessor_id for a, _ in rows if a.predecessor_id}
    references = dict(
        session.exec(select(Appeal.id, Appeal.reference).where(col(Appeal.id).in_(ids))).all()
    ) if ids else {}  # fmt: skip
    return [appeal_summary(a, d, references.get(a.predecessor_id)) for a, d in rows]


def bundle(
    *,
    session: Session,
    start: datetime,
    end: datetime,
    public_raw: bytes | None,
    now: datetime,
) -> dict:
    """Everything an outside verifier needs for the appeals submitted in [start, end)."""
    appeals = appeals_in(session=session, start=start, end=end)
    appeals.sort(key=lambda a: a["appeal_id"])
    chains = {MEMBERSHIP_CHAIN: [event_json(e) for e in chain_events(session, MEMBERSHIP_CHAIN)]}
    draws = {}
    for appeal in appeals:
        events = chain_events(session, appeal["chain"])
        if events and votes_public(appeal["status"]):
            chains[appeal["chain"]] = [event_json(e) for e in events]
        elif events:
            draws[appeal["chain"]] = [draw_event_json(e) for e in events if e.kind in DRAW_KINDS]
    rows = session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    latest = None
    if rows:
        latest = checkpoints.public(rows[-1], checkpoints.fold(rows))
    return {
        "format": BUNDLE_FORMAT,
        "generated_at": iso(now),
        "period": {"from": iso(start), "to": iso(end)},
        "timezone": zone().key,
        "public_key": public_raw.hex() if public_raw else None,
        "key_id": checkpoints.key_id(public_raw) if public_raw else None,
        "epochs": epochs.public_epochs(session=session),
        "appeals": appeals,
        "chains": chains,
        "draws": draws,
        "legacy_note": (
            f"events recorded before revision 0006 form the closed chain {LEGACY_CHAIN!r},"
            " which mixes every appeal and is not published"
        ),
        "checkpoints": [checkpoints.public(r) for r in rows],
        "latest_checkpoint": latest,
    }
