"""The worker's pass for the public record: the coming days' seeds committed, the past
days' revealed, appeals drawn once their beacon round is out, a checkpoint signed when due.

Each step is its own short transaction; a beacon that cannot be reached leaves its appeals
``drawing`` for the next pass.
"""

from __future__ import annotations

import logging

from .. import timeutil
from ..panel import lifecycle
from ..record import checkpoints, epochs
from ..record.beacon import BeaconUnavailable
from ..record.keeping import checkpoint_due, waiting_for_the_beacon

log = logging.getLogger(__name__)


def keep_record(worker, report) -> None:
    """One pass of the record's duties, for ``worker`` (a messaging.worker.Worker)."""
    settings = worker.record
    with worker._session() as session:
        now = timeutil.now()
        committed = epochs.commit_ahead(session=session, now=now, days=settings.days_ahead)
        revealed = epochs.reveal_ended(session=session, now=now)
        session.commit()
    report.counts["epochs committed"] += len(committed)
    report.counts["epochs revealed"] += len(revealed)
    if settings.beacon is not None:
        _draw_with_the_beacon(worker, report)
    if settings.signer is not None:
        with worker._session() as session:
            now = timeutil.now()
            due = checkpoint_due(session=session, every=settings.checkpoint_every, now=now)
            if due and checkpoints.write(session=session, signer=settings.signer, now=now):
                report.counts["checkpoints signed"] += 1
            session.commit()


def _draw_with_the_beacon(worker, report) -> None:
    beacon = worker.record.beacon
    with worker._session() as session:
        waiting = [(a.id, a.submitted_at) for a in waiting_for_the_beacon(session=session)]
    if not waiting:
        return
    try:
        info = beacon.info()
    except BeaconUnavailable as exc:
        log.warning("the beacon cannot be reached (%s); appeals keep waiting", exc)
        report.counts["waiting for the beacon"] += len(waiting)
        return
    for appeal_id, registered_at in waiting:
        round_ = beacon.round_after(registered_at, info)
        try:
            randomness = beacon.randomness(round_)
        except BeaconUnavailable:
            report.counts["waiting for the beacon"] += 1
            continue

        def draw(*, session, appeal_id, rules, now, _beacon=(round_, randomness)):
            return lifecycle.draw_waiting(
                session=session, appeal_id=appeal_id, beacon=_beacon, rules=rules, now=now
            )

        worker._per_appeal([appeal_id], draw, "panels drawn with the beacon", report)
