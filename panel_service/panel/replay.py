"""Re-running an appeal's draw and every walk along its candidate order from the audit trail.

The seed is checked against its source (the day's committed secret, or the predecessor of a
resubmitted work order), the first panel recomputed, and each replacement and stall walked
again: the candidates passed over must be the next ones in the order, each for a reason that
held at that moment (quota, already on the appeal, or the member's state as the membership
chain records it), and the one seated must have been eligible.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from ..enums import AuditKind, PanelistCategory, PassOver, SeedSource
from ..models import Appeal, Assignment, Department, DrawEpoch
from ..record import draw_summary, epochs
from ..record.audit import event_data, events_for
from ..record.history import History
from ..timeutil import local_date
from .draw import candidate_order, select_panel
from .lifecycle.draws import held_at_withdrawal


@dataclass
class ReplayReport:
    reference: str
    steps: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # reasons the record cannot confirm

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Walk:
    """What the replay tracks as it goes: who sits, who ever sat, and of what category."""

    department: str
    quota: int
    history: History
    categories: dict[int, str]
    seated: set[int] = field(default_factory=set)
    ever: set[int] = field(default_factory=set)

    def government(self, at) -> int:
        return sum(self._category(p, at) == PanelistCategory.GOVERNMENT for p in self.seated)

    def _category(self, pid, at):
        state = self.history.at(pid, at)
        return state.category if state else self.categories.get(pid)

    def why_not(self, pid: int, at) -> str | None:
        """The reason ``pid`` could not take a seat at ``at`` (None: they could)."""
        if pid in self.ever:
            return PassOver.ALREADY_ON_APPEAL
        state = self.history.at(pid, at)
        if state is not None:
            today = local_date(at)
            for reason, holds in (
                (PassOver.INACTIVE, not state.active),
                (PassOver.OUT_OF_TERM, not (state.term_start <= today <= state.term_end)),
                (PassOver.NO_PLEDGE, not state.pledge_signed_on or state.pledge_signed_on > today),
                (PassOver.MOBILE_FAILING, state.mobile_failing),
                (PassOver.CONFLICT, state.affiliation == self.department),
            ):
                if holds:
                    return reason
        if self._category(pid, at) == PanelistCategory.GOVERNMENT and (
            self.government(at) >= self.quota
        ):
            return PassOver.QUOTA
        return None


def replay_draw(
    *, session: Session, appeal: Appeal, history: History | None = None
) -> ReplayReport:
    """Recompute the draw and every walk, and compare them with what was stored.

    ``history`` is the membership chain read back (``History.load``), for a caller that
    replays many draws: it is read once for them all, not once per draw.
    """
    report = ReplayReport(appeal.reference)
    events = events_for(session=session, appeal_id=appeal.id)
    drawn = [e for e in events if e.kind == AuditKind.PANEL_DRAWN]
    if len(drawn) != 1:
        if not (drawn or appeal.status == "drawing"):
            report.problems.append(f"expected one draw event, found {len(drawn)}")
        return report
    data = event_data(drawn[0])
    if data["seed"] != appeal.draw_seed:
        report.problems.append("the appeal's stored seed differs from the audited one")
    pool = [(pid, cat) for pid, cat in data["pool"]]
    if ",".join(str(pid) for pid, _ in pool) != appeal.draw_pool:
        report.problems.append("the appeal's stored pool differs from the audited one")
    walk = _Walk(
        department=session.get(Department, appeal.department_id).code,
        quota=data["government_quota"],
        history=History.load(session) if history is None else history,
        categories={pid: cat for pid, cat in pool},
    )
    order = list(candidate_order(bytes.fromhex(data["seed"]), [pid for pid, _ in pool]))
    source = data.get("seed_source", SeedSource.RANDOM)
    if source == SeedSource.PREDECESSOR:
        position = _replay_continuation(session, appeal, data, order, walk, drawn[0].at, report)
    else:
        if source == SeedSource.EPOCH:
            _check_epoch_seed(session, appeal, data, report)
        position = _replay_first_draw(session, appeal, data, pool, walk, report)
    for event in events:
        if event.kind == AuditKind.REPLACEMENT:
            step = event_data(event)
            label, picked = f"replacement round {step['round']}", [step["picked"]]
        elif event.kind == AuditKind.STALLED and "walk" in event_data(event):
            step, label, picked = event_data(event)["walk"], "stall", []
        elif event.kind == AuditKind.SEAT_CLOSED:
            walk.seated.discard(event_data(event)["panelist"])
            continue
        else:
            continue
        walk.seated.discard(step["vacated_panelist"])
        _replay_walk(session, step, label, picked, order, position, walk, event.at, report)
        position = step["to_position"]
    return report


def replay_period(*, session: Session, start: datetime, end: datetime) -> Iterator[ReplayReport]:
    """Re-run, one after the other, every first draw of [start, end): the draws the fairness
    report counts (``record.draw_summary``). Seconds for a month, far longer for years."""
    history = History.load(session)
    for appeal_id in draw_summary.drawn_appeals(session=session, start=start, end=end):
        yield replay_draw(session=session, appeal=session.get(Appeal, appeal_id), history=history)


def _check_epoch_seed(session, appeal, data, report) -> None:
    epoch = session.get(DrawEpoch, local_date(appeal.submitted_at))
    if appeal.predecessor_id is None and (epoch is None or epoch.day.isoformat() != data["epoch"]):
        report.problems.append("the draw names another day than the one it was registered on")
        return
    epoch = epoch or session.get(DrawEpoch, appeal.epoch_day)
    if epoch.commitment != data["commitment"] or epochs.commitment_of(
        bytes.fromhex(epoch.secret)
    ) != data["commitment"]:
        report.problems.append("the day's secret does not match its published commitment")
    if epoch.committed_at >= appeal.submitted_at and appeal.predecessor_id is None:
        report.problems.append("the day's commitment was published after the appeal")
    beacon = bytes.fromhex(data["beacon"]["randomness"]) if data.get("beacon") else None
    if epochs.seed_for(epoch, data["work_order_no"], beacon).hex() != data["seed"]:
        report.problems.append("the seed is not HMAC(day's secret, work order)")
    else:
        report.steps.append(f"seed: from {data['epoch']}'s committed secret")


def _replay_first_draw(session, appeal, data, pool, walk, report) -> int:
    selection = select_panel(
        bytes.fromhex(data["seed"]), pool, size=data["panel_size"],
        government_quota=data["government_quota"],
    )  # fmt: skip
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
    walk.seated |= set(selection.picked)
    walk.ever |= set(selection.picked)
    return selection.position


def _replay_continuation(session, appeal, data, order, walk, at, report) -> int:
    predecessor = session.get(Appeal, appeal.predecessor_id)
    if predecessor is None or predecessor.reference != data["predecessor"]:
        report.problems.append("the draw continues an appeal that is not its predecessor")
        return data["position"]
    if (predecessor.draw_seed, predecessor.draw_pool) != (appeal.draw_seed, appeal.draw_pool):
        report.problems.append("a resubmission must keep its predecessor's seed and pool")
    held = held_at_withdrawal(session, predecessor)
    if not set(data["kept"]) <= set(held):
        report.problems.append(f"kept {data['kept']}, but only {held} held seats")
    for pid in data["kept"]:
        found = walk.why_not(pid, at)
        if found is not None:
            report.problems.append(f"continued draw: {pid} kept a seat although {found}")
        walk.seated.add(pid)
        walk.ever.add(pid)
    step = {**data, "vacated_panelist": None}
    position = predecessor.draw_position
    for pid in data["picked"]:
        # One walk per seat, each continuing where the last one stopped.
        _replay_walk(session, step, "continued draw", [pid], order, position, walk, at, report,
                     per_seat=True)  # fmt: skip
        position = order.index(pid) + 1 if pid in order else position
    report.steps.append(f"continues {predecessor.reference}: kept {data['kept']}")
    return data["to_position"]


def _replay_walk(session, step, label, picked, order, position, walk, at, report, per_seat=False):
    if not per_seat and step["from_position"] != position:
        report.problems.append(
            f"{label}: starts at {step['from_position']}, previous step ended at {position}"
        )
    if per_seat:
        end = order.index(picked[0]) + 1 if picked[0] in order else position
        skipped = [(p, r) for p, r in step["skipped"] if p in order[position:end]]
        walked, audited = order[position:end], [p for p, _ in skipped] + picked
    else:
        skipped = step["skipped"]
        walked = order[step["from_position"] : step["to_position"]]
        audited = [pid for pid, _ in skipped] + picked
    if walked != audited:
        report.problems.append(f"{label}: recomputed candidates {walked}, audited {audited}")
        return
    for pid, reason in skipped:
        found = walk.why_not(pid, at)
        if found is None and walk.history.at(pid, at) is None and reason not in (
            PassOver.ALREADY_ON_APPEAL, PassOver.QUOTA
        ):
            report.unchecked.append(f"{label}: {pid} passed over ({reason}); no facts recorded")
        elif found != reason:
            report.problems.append(f"{label}: {pid} passed over as {reason}, but was {found}")
    for pid in picked:
        found = walk.why_not(pid, at)
        if found is not None:
            report.problems.append(f"{label}: {pid} was seated although {found}")
        walk.seated.add(pid)
        walk.ever.add(pid)
    if picked and not per_seat:
        seat = session.get(Assignment, step["assignment"])
        if seat is None or seat.panelist_id != picked[0]:
            report.problems.append(f"{label}: seated panelist differs from {picked[0]}")
            return
    if not per_seat:
        what = f"{picked[0]} matches" if picked else "the order ran out"
        report.steps.append(f"{label}: {what} (passed over {step['skipped']})")
