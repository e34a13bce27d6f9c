"""An appeal's outcome as the hotline platform sees it (the API and the webhook share it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from ..enums import AssignmentState, VoteChoice
from ..models import Appeal, Assignment, Department
from ..panel.voting import published_tally
from ..timeutil import deadline_text, zone


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def outcome(
    *,
    session: Session,
    appeal: Appeal,
    seats: Iterable[Assignment] | None = None,
    department: str | None = None,
) -> dict:
    """The appeal's public state: how many voted, and how, only once it is decided.

    Before the decision even the number of votes received says how the panel leans (four
    received and undecided is two against two) and that one vote, the deciding one, is
    awaited; so ``votes_received`` is absent until the panel has decided. A caller that
    holds the appeal's seats (locked) or knows its department's code passes them: the
    outcome is then built without asking the database again.
    """
    tally = published_tally(session=session, appeal=appeal, seats=seats)
    if department is None:
        department = session.get(Department, appeal.department_id).code
    body = {
        "reference": appeal.reference,
        "work_order_no": appeal.work_order_no,
        "department": department,
        "status": str(appeal.status),
        "decision": str(appeal.decision) if appeal.decision else None,
        "votes": None
        if tally is None
        else {str(VoteChoice.AGREE): tally.agree, str(VoteChoice.DISAGREE): tally.disagree},
        "submitted_at": _iso(appeal.submitted_at),
        "deadline": _iso(appeal.deadline),
        # The same instant as people see it: Beijing time with the weekday.
        "deadline_local": appeal.deadline.astimezone(zone()).isoformat(),
        "deadline_text": deadline_text(appeal.deadline),
        "decided_at": _iso(appeal.decided_at),
        "withdrawn_reason": appeal.withdrawn_reason,
    }
    if tally is not None:
        body["votes_received"] = tally.received
    return body


def anonymous_opinions(*, session: Session, appeal_id: int) -> list[tuple[str, str]]:
    """The panel's votes and opinions, in an order that says nothing about who wrote them."""
    rows = session.exec(
        select(Assignment.vote, Assignment.opinion).where(
            Assignment.appeal_id == appeal_id, Assignment.state == AssignmentState.VOTED
        )
    ).all()
    return sorted((str(v), o or "") for v, o in rows)
