"""An appeal's public draw receipt: the seed and where it came from, the pool and the
candidate order by public code, every seat taken and given up with its reason, and once
decided the seals and the opened votes (their opinions stay private). Before the decision it
holds nothing that moves when someone votes (``record.public.votes_public``)."""

from __future__ import annotations

from sqlmodel import Session

from ..models import Appeal, Department
from ..record import epochs
from ..record.audit import chain_of, event_data, iso
from ..record.public import appeal_summary, chain_events, code, votes_public
from .draw import candidate_order


def receipt(*, session: Session, appeal: Appeal) -> dict:
    """An appeal's draw receipt for the public page: how its panel was drawn and decided."""
    department = session.get(Department, appeal.department_id)
    predecessor = session.get(Appeal, appeal.predecessor_id) if appeal.predecessor_id else None
    out = {
        **appeal_summary(appeal, department, predecessor.reference if predecessor else None),
        "draw": None,
        "steps": [],
        "seals": [],
        "opened": [],
        "votes_public": votes_public(appeal.status),
    }
    for event in chain_events(session, chain_of(appeal.id)):
        data = event_data(event)
        if event.kind == "panel.drawn":
            order = candidate_order(bytes.fromhex(data["seed"]), [p for p, _ in data["pool"]])
            epoch = epochs.public_epoch(session=session, day=data.get("epoch"))
            out["draw"] = {
                "at": iso(event.at),
                "seed_source": data.get("seed_source", "random"),
                "epoch": epoch,
                "seed": data["seed"],
                "beacon": data.get("beacon"),
                "pool": [code(p) for p, _ in data["pool"]],
                "order": [code(p) for p in order],
                "picked": [code(p) for p in data.get("kept", []) + data["picked"]],
                "skipped": [[code(p), why] for p, why in data.get("skipped", [])],
                "continues": data.get("predecessor"),
            }
        elif event.kind in ("panel.replacement", "appeal.stalled", "seat.closed"):
            step = data.get("walk", data)
            out["steps"].append({
                "at": iso(event.at),
                "kind": str(event.kind),
                "vacated": code(step.get("vacated_panelist") or step.get("panelist")),
                "reason": step.get("reason"),
                "skipped": [[code(p), why] for p, why in step.get("skipped", [])],
                "picked": code(step.get("picked")),
            })  # fmt: skip
        elif event.kind == "vote.recorded" and "seal" in data and out["votes_public"]:
            out["seals"].append({"at": iso(event.at), "seal": data["seal"]})
        elif event.kind == "appeal.decided" and "opened" in data and out["votes_public"]:
            out["opened"] = data["opened"]
    return out


