"""The count of an appeal's votes, and who may see it (votes are cast in ``lifecycle``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from ..enums import AppealStatus, AssignmentState, VoteChoice
from ..models import Appeal, Assignment


@dataclass(frozen=True)
class Tally:
    agree: int
    disagree: int

    @property
    def received(self) -> int:
        return self.agree + self.disagree


def tally_of(votes: Iterable[str | None]) -> Tally:
    """The tally of these votes (of voted seats)."""
    votes = list(votes)
    return Tally(
        agree=sum(v == VoteChoice.AGREE for v in votes),
        disagree=sum(v == VoteChoice.DISAGREE for v in votes),
    )


def count_votes(*, session: Session, appeal_id: int) -> Tally:
    """The votes cast so far (for the decision and for staff, never for panelists)."""
    return tally_of(
        session.exec(
            select(Assignment.vote).where(
                Assignment.appeal_id == appeal_id, Assignment.state == AssignmentState.VOTED
            )
        )
    )


def published_tally(
    *, session: Session, appeal: Appeal, seats: Iterable[Assignment] | None = None
) -> Tally | None:
    """The tally anyone outside the count may see: none until the appeal is decided.

    ``seats``: all of the appeal's seats, as the caller holds them locked; they are
    counted instead of asking the database again.
    """
    if appeal.status != AppealStatus.DECIDED:
        return None
    if seats is not None:
        return tally_of(s.vote for s in seats if s.state == AssignmentState.VOTED)
    return count_votes(session=session, appeal_id=appeal.id)
