"""Panelist health: who answers, how fast, who recuses, whose number fails."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from ..enums import (
    AppealStatus,
    AssignmentState,
    Decision,
    OutboxChannel,
    OutboxStatus,
    SeatReason,
    VoteChoice,
)
from ..models import Appeal, Assignment, OutboxMessage, Panelist

SIDED = {(VoteChoice.AGREE, Decision.UPHELD), (VoteChoice.DISAGREE, Decision.DISMISSED)}


@dataclass
class PanelistHealth:
    panelist: Panelist
    assignments: int = 0
    votes: int = 0
    recusals: int = 0
    no_shows: int = 0
    sms_failures: int = 0
    median_hours_to_vote: float | None = None
    last_activity: datetime | None = None
    decided_votes: int = 0
    sided_with_decision: int = 0

    @property
    def response_rate(self) -> float | None:
        """Votes over the seats that asked for one (decided-before-you-voted seats excluded)."""
        asked = self.votes + self.no_shows
        return self.votes / asked if asked else None

    @property
    def agreement_rate(self) -> float | None:
        return self.sided_with_decision / self.decided_votes if self.decided_votes else None


def panel_health(*, session: Session, include_retired: bool = False) -> list[PanelistHealth]:
    """One row per panelist, in id order."""
    query = select(Panelist).order_by(Panelist.id)
    if not include_retired:
        query = query.where(Panelist.active)
    rows = {p.id: PanelistHealth(p) for p in session.exec(query)}
    hours: dict[int, list[float]] = defaultdict(list)
    seats = session.exec(
        select(Assignment, Appeal)
        .join(Appeal, Appeal.id == Assignment.appeal_id)
        .where(col(Assignment.panelist_id).in_(list(rows)))
    )
    for seat, appeal in seats:
        row = rows[seat.panelist_id]
        row.assignments += 1
        for moment in (seat.first_opened_at, seat.voted_at, seat.closed_at):
            if moment and (row.last_activity is None or moment > row.last_activity):
                row.last_activity = moment
        if seat.state == AssignmentState.VOTED:
            row.votes += 1
            hours[seat.panelist_id].append((seat.voted_at - seat.created_at).total_seconds() / 3600)
            if appeal.status == AppealStatus.DECIDED:
                row.decided_votes += 1
                row.sided_with_decision += (seat.vote, appeal.decision) in SIDED
        elif seat.state == AssignmentState.RECUSED:
            row.recusals += 1
        elif seat.closed_reason == SeatReason.NO_RESPONSE:
            row.no_shows += 1
    failures = session.exec(
        select(Assignment.panelist_id)
        .join(OutboxMessage, OutboxMessage.assignment_id == Assignment.id)
        .where(
            OutboxMessage.channel == OutboxChannel.SMS,
            OutboxMessage.status == OutboxStatus.FAILED,
            col(Assignment.panelist_id).in_(list(rows)),
        )
    )
    for pid in failures:
        rows[pid].sms_failures += 1
    for pid, values in hours.items():
        rows[pid].median_hours_to_vote = statistics.median(values)
    return list(rows.values())


def panelist_history(*, session: Session, panelist_id: int) -> list[tuple[Assignment, Appeal]]:
    """A panelist's seats with their appeals, newest first (no citizens' texts are needed)."""
    return list(
        session.exec(
            select(Assignment, Appeal)
            .join(Appeal, Appeal.id == Assignment.appeal_id)
            .where(Assignment.panelist_id == panelist_id)
            .order_by(col(Assignment.created_at).desc())
        )
    )
