"""Re-running an appeal's draw and every replacement from the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from ..enums import AuditKind
from ..models import Appeal, Assignment
from ..record.audit import event_data, events_for
from .draw import candidate_order, select_panel


@dataclass
class ReplayReport:
    reference: str
    steps: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def replay_draw(*, session: Session, appeal: Appeal) -> ReplayReport:
    """Recompute the draw and its replacements and compare them with what was stored."""
    report = ReplayReport(appeal.reference)
    events = events_for(session=session, appeal_id=appeal.id)
    drawn = [e for e in events if e.kind == AuditKind.PANEL_DRAWN]
    if len(drawn) != 1:
        report.problems.append(f"expected one draw event, found {len(drawn)}")
        return report
    data = event_data(drawn[0])
    seed = bytes.fromhex(data["seed"])
    pool = [(pid, cat) for pid, cat in data["pool"]]
    if data["seed"] != appeal.draw_seed:
        report.problems.append("the appeal's stored seed differs from the audited one")
    if ",".join(str(pid) for pid, _ in pool) != appeal.draw_pool:
        report.problems.append("the appeal's stored pool differs from the audited one")

    selection = select_panel(
        seed, pool, size=data["panel_size"], government_quota=data["government_quota"]
    )
    first_round = sorted(
        session.exec(
            select(Assignment.panelist_id).where(
                Assignment.appeal_id == appeal.id, Assignment.draw_round == 0
            )
        ).all()
    )
    if selection.picked != data["picked"]:
        report.problems.append(f"draw: recomputed {selection.picked}, audited {data['picked']}")
    elif sorted(selection.picked) != first_round:
        report.problems.append(f"draw: recomputed {selection.picked}, seated {first_round}")
    else:
        report.steps.append(f"draw: {selection.picked} match")

    order = list(candidate_order(seed, [pid for pid, _ in pool]))
    position = selection.position
    for event in events:
        if event.kind == AuditKind.REPLACEMENT:
            step = event_data(event)
            label, picked = f"replacement round {step['round']}", [step["picked"]]
        elif event.kind == AuditKind.STALLED and "walk" in event_data(event):
            step, label, picked = event_data(event)["walk"], "stall", []
        else:
            continue
        if step["from_position"] != position:
            report.problems.append(
                f"{label}: starts at {step['from_position']}, previous step ended at {position}"
            )
        walked = order[step["from_position"] : step["to_position"]]
        audited = [pid for pid, _ in step["skipped"]] + picked
        if walked != audited:
            report.problems.append(f"{label}: recomputed candidates {walked}, audited {audited}")
        elif picked and getattr(
            session.get(Assignment, step["assignment"]), "panelist_id", None
        ) != picked[0]:
            report.problems.append(f"{label}: seated panelist differs from {picked[0]}")
        elif picked:
            report.steps.append(f"{label}: {picked[0]} matches (passed over {step['skipped']})")
        else:
            report.steps.append(f"{label}: the order ran out (passed over {step['skipped']})")
        position = step["to_position"]
    return report
