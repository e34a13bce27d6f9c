"""Seating an appeal's first panel: drawn from the day's committed seed, or, for a work order
resubmitted after a withdrawal, continued along its first draw's candidate order.

A resubmission can never produce a fresh draw: it takes the predecessor's seed, pool and
position; the predecessor's members who held a seat when it was withdrawn and may still sit
keep their seats (in their order, within the quota), and the walk goes on from where the
predecessor's left off for the rest.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from ...enums import AppealStatus, AssignmentState, AuditKind, MessageKind, PassOver, SeedSource
from ...messaging import outbox
from ...models import Appeal, Assignment, Panelist
from ...record import audit, draw_summary, epochs
from ...rules import PanelRules
from ..draw import NotEnoughPanelists, next_substitute, select_panel
from ..seating import SEAT_STATES, eligible_pool, ineligibility, is_government
from ..windows import seat_window
from .locks import SYSTEM, insert_seats, lock_appeal, new_seat


def start(*, session: Session, appeal: Appeal, rules: PanelRules, now: datetime) -> list:
    """Seat a newly registered appeal's panel, or, when draws wait for the public beacon,
    leave it ``drawing`` for the worker (a resubmission continues its order at once)."""
    predecessor = session.get(Appeal, appeal.predecessor_id) if appeal.predecessor_id else None
    if rules.beacon and (predecessor is None or predecessor.draw_seed is None):
        appeal.status = AppealStatus.DRAWING
        session.add(appeal)
        session.flush()
        return []
    return draw_panel(session=session, appeal=appeal, rules=rules, now=now)


def draw_panel(
    *,
    session: Session,
    appeal: Appeal,
    rules: PanelRules,
    now: datetime,
    beacon: tuple[int, str] | None = None,
) -> list[Assignment]:
    """Seat the first panel of a new (or ``drawing``) appeal and queue its invitations.

    ``beacon`` is the public beacon's (round, randomness hex) to mix into the seed. Raises
    NotEnoughPanelists or EpochNotCommitted; the caller rolls back, so nothing is stored.
    """
    predecessor = session.get(Appeal, appeal.predecessor_id) if appeal.predecessor_id else None
    # The draw reads nothing this transaction has yet to write: left unflushed until the
    # seats are, the appeal's row takes one UPDATE and its events one INSERT.
    with session.no_autoflush:
        if predecessor is not None and predecessor.draw_seed is not None:
            seats, data = _continue(session, appeal, predecessor, rules, now)
        else:
            seats, data = _draw(session, appeal, rules, now, beacon)
    appeal.status = AppealStatus.OPEN
    session.add(appeal)
    event = audit.record(
        session=session, kind=AuditKind.PANEL_DRAWN, actor=SYSTEM, appeal_id=appeal.id, now=now,
        data={"panel_size": rules.panel_size, "majority": rules.majority,
              "government_quota": rules.government_quota, **data},
    )  # fmt: skip
    seats = insert_seats(session, seats)  # flushes: the event has its id
    draw_summary.note_draw(session=session, event=event)  # what the fairness report sums
    outbox.queue_for_seats(session=session, assignments=seats, kind=MessageKind.INVITATION, now=now)
    return seats


def _draw(session, appeal, rules, now, beacon):
    epoch = epochs.epoch_for(session=session, registered_at=appeal.submitted_at)
    if appeal.predecessor_id is not None:
        # Withdrawn before its draw: the work order keeps its first registration's day.
        first = _first(session, appeal)
        epoch = epochs.epoch_for(session=session, registered_at=first.submitted_at)
    randomness = bytes.fromhex(beacon[1]) if beacon else None
    seed = epochs.seed_for(epoch, appeal.work_order_no, randomness)
    pairs = eligible_pool(session=session, department_id=appeal.department_id, on=now)
    selection = select_panel(
        seed, pairs, size=rules.panel_size, government_quota=rules.government_quota
    )
    if len(selection.picked) < rules.panel_size:
        raise NotEnoughPanelists(len(selection.picked), rules.panel_size)
    appeal.draw_seed, appeal.epoch_day = seed.hex(), epoch.day
    appeal.draw_pool = ",".join(str(pid) for pid, _ in pairs)
    appeal.draw_position = selection.position
    if beacon:
        appeal.beacon_round, appeal.beacon_randomness = beacon
    window = _window(session, appeal, rules, now)
    seats = [new_seat(appeal, pid, round_=0, window=window, now=now) for pid in selection.picked]
    return seats, {
        "seed_source": str(SeedSource.EPOCH),
        "epoch": epoch.day.isoformat(),
        "commitment": epoch.commitment,
        "work_order_no": appeal.work_order_no,
        "beacon": {"round": beacon[0], "randomness": beacon[1]} if beacon else None,
        "seed": seed.hex(),
        "pool": [[pid, cat] for pid, cat in pairs],
        "picked": selection.picked,
        "skipped": [[pid, str(why)] for pid, why in selection.skipped],
        "position": selection.position,
    }


def _window(session: Session, appeal: Appeal, rules: PanelRules, now: datetime):
    """The first panel's window, counted from now (panel/windows.py); the appeal's deadline
    is at least its seats'."""
    window = seat_window(session=session, rules=rules, now=now)
    appeal.deadline = max(appeal.deadline, window.deadline)
    return window


def _first(session: Session, appeal: Appeal) -> Appeal:
    while appeal.predecessor_id is not None:
        appeal = session.get(Appeal, appeal.predecessor_id)
    return appeal


def held_at_withdrawal(session: Session, predecessor: Appeal) -> list[int]:
    """The members who held the predecessor's seats (pending then, or voted), seat order."""
    rows = session.exec(
        select(Assignment)
        .where(Assignment.appeal_id == predecessor.id)
        .order_by(Assignment.draw_round, Assignment.id)
    ).all()
    return [
        s.panelist_id
        for s in rows
        if s.state in SEAT_STATES
        or (s.state == AssignmentState.CLOSED and s.closed_reason == "withdrawn")
    ]


def _continue(session, appeal, predecessor, rules, now):
    appeal.draw_seed, appeal.draw_pool = predecessor.draw_seed, predecessor.draw_pool
    appeal.draw_position, appeal.epoch_day = predecessor.draw_position, predecessor.epoch_day
    appeal.beacon_round = predecessor.beacon_round
    appeal.beacon_randomness = predecessor.beacon_randomness
    kept: list[int] = []
    dropped: list[list] = []
    government = 0
    for pid in held_at_withdrawal(session, predecessor):
        panelist = session.get(Panelist, pid)
        reason = ineligibility(panelist, department_id=appeal.department_id, on=now)
        if reason is None and is_government(panelist):
            if government >= rules.government_quota:
                reason = PassOver.QUOTA
            else:
                government += 1
        if reason is None and len(kept) < rules.panel_size:
            kept.append(pid)
        else:
            dropped.append([pid, str(reason or PassOver.QUOTA)])
    window = _window(session, appeal, rules, now)
    seats = [new_seat(appeal, pid, round_=0, window=window, now=now) for pid in kept]
    start, skipped, picked = appeal.draw_position, [], []
    while len(seats) < rules.panel_size:
        walk = next_substitute(session=session, appeal=appeal, seats=seats, rules=rules, now=now)
        skipped += [[pid, why] for pid, why in walk.skipped]
        appeal.draw_position = walk.end
        if walk.substitute is None:
            raise NotEnoughPanelists(len(seats), rules.panel_size)
        seats.append(new_seat(appeal, walk.substitute.id, round_=0, window=window, now=now))
        picked.append(walk.substitute.id)
    return seats, {
        "seed_source": str(SeedSource.PREDECESSOR),
        "predecessor": predecessor.reference,
        "seed": appeal.draw_seed,
        "pool": _pool_pairs(session, predecessor),
        "kept": kept,
        "dropped": dropped,
        "from_position": start,
        "to_position": appeal.draw_position,
        "skipped": skipped,
        "picked": picked,
        "position": appeal.draw_position,
    }


def _pool_pairs(session: Session, predecessor: Appeal) -> list[list]:
    """The pool as the predecessor's draw event published it."""
    for event in audit.events_for(session=session, appeal_id=predecessor.id):
        if event.kind == AuditKind.PANEL_DRAWN:
            return audit.event_data(event)["pool"]
    return [[pid, None] for pid in predecessor.draw_pool_ids]


def draw_waiting(
    *, session: Session, appeal_id: int, beacon: tuple[int, str], rules: PanelRules, now: datetime
) -> list[Assignment]:
    """Draw an appeal that waited, ``drawing``, for its beacon round (under its lock)."""
    appeal = lock_appeal(session, appeal_id)
    if appeal.status != AppealStatus.DRAWING:
        return []  # another worker drew it, or it was withdrawn meanwhile
    return draw_panel(session=session, appeal=appeal, rules=rules, now=now, beacon=beacon)
