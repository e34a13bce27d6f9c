"""The count of an appeal's votes, and who may see it (votes are cast in ``lifecycle``)."""

from __future__ import annotations

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


def count_votes(*, session: Session, appeal_id: int) -> Tally:
    """The votes cast so far (for the decision and for staff, never for panelists)."""
    votes = session.exec(
        select(Assignment.vote).where(
            Assignment.appeal_id == appeal_id, Assignment.state == AssignmentState.VOTED
        )
    ).all()
    return Tally(
        agree=sum(v == VoteChoice.AGREE for v in votes),
        disagree=sum(v == VoteChoice.DISAGREE for v in votes),
    )


def published_tally(*, session: Session, appeal: Appeal) -> Tally | None:
    """The tally anyone outside the count may see: none until the appeal is decided."""
    if appeal.status != AppealStatus.DECIDED:
        return None
    return count_votes(session=session, appeal_id=appeal.id)
