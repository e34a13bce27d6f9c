"""Membership changes: suspend, reinstate, retire (one member or a rotation's many), and a
number the SMS provider reports unreachable.

Each updates the members' rows first (ascending id), lets ``lifecycle.recheck_members``
hand on the pending seats of those leaving, and records its membership events last: the
lifecycle's lock order.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..enums import Actor, AuditKind, MembershipChange, Refusal, SeatReason
from ..models import Panelist
from ..panel.lifecycle import SeatChange, recheck_members
from ..record import audit
from ..refusals import Refused
from ..rules import PanelRules
from ..timeutil import local_date


class MembershipRefused(Refused):
    """A membership change that is not possible for this member (``panelist_id``)."""

    def __init__(self, code: Refusal, panelist_id: int):
        super().__init__(code, panelist=panelist_id)
        self.panelist_id = panelist_id


SUSPENDED, RETIRED, ACTIVATED = (
    MembershipChange.SUSPENDED,
    MembershipChange.RETIRED,
    MembershipChange.ACTIVATED,
)
LEAVING = {SUSPENDED: SeatReason.SUSPENDED, RETIRED: SeatReason.RETIRED}


def _apply(panelist: Panelist, change: MembershipChange, now: datetime) -> None:
    if panelist.retired_on is not None:
        code = Refusal.ALREADY_RETIRED if change in LEAVING else Refusal.RETIRED
        raise MembershipRefused(code, panelist.id)
    if change == ACTIVATED:
        if panelist.active:
            raise MembershipRefused(Refusal.ALREADY_ACTIVE, panelist.id)
        panelist.active = True
        return
    panelist.active = False
    if change == RETIRED:
        panelist.retired_on = local_date(now)


def change_membership(
    *,
    session: Session,
    changes: list[tuple[Panelist, MembershipChange]],
    actor: str,
    rules: PanelRules,
    now: datetime,
) -> list[SeatChange]:
    """Suspend, retire or activate members in one step; leaving members' pending seats are
    handed on. Raises MembershipRefused, changing nothing the caller commits."""
    for panelist, change in sorted(changes, key=lambda c: c[0].id):  # rows in ascending order
        _apply(panelist, change, now)
        session.add(panelist)
    session.flush()
    leaving = {p.id: LEAVING[c] for p, c in changes if c in LEAVING}
    handed_on = (
        recheck_members(session=session, members=leaving, actor=actor, rules=rules, now=now)
        if leaving
        else []
    )
    for panelist, change in changes:
        audit.record(
            session=session,
            kind=AuditKind.PANELIST_CHANGED,
            actor=actor,
            now=now,
            data={"panelist": panelist.id, "change": change},
        )
    return handed_on


def suspend_panelist(
    *, session: Session, panelist: Panelist, actor: str, rules: PanelRules, now: datetime
) -> list[SeatChange]:
    """Take a member off the draw for a while (illness, travel); their seats are handed on."""
    return change_membership(
        session=session, changes=[(panelist, SUSPENDED)], actor=actor, rules=rules, now=now
    )


def retire_panelist(
    *, session: Session, panelist: Panelist, actor: str, rules: PanelRules, now: datetime
) -> list[SeatChange]:
    """Retire a member for good (never deleted: their history stays); seats are handed on."""
    return change_membership(
        session=session, changes=[(panelist, RETIRED)], actor=actor, rules=rules, now=now
    )


def reinstate_panelist(
    *, session: Session, panelist: Panelist, actor: str, rules: PanelRules, now: datetime
) -> None:
    """Put a suspended (or newly added, inactive) member back into the draw."""
    change_membership(
        session=session, changes=[(panelist, ACTIVATED)], actor=actor, rules=rules, now=now
    )


def mark_number_failing(
    *, session: Session, panelist_id: int, error: str, rules: PanelRules, now: datetime
) -> list[SeatChange]:
    """The SMS provider says this member's number is unreachable for good: hand on every
    pending seat of theirs (the first report records the change)."""
    panelist = session.get(Panelist, panelist_id, populate_existing=True)
    newly = panelist.mobile_failing_since is None
    if newly:
        panelist.mobile_failing_since = now
        session.add(panelist)
        session.flush()
    changes = recheck_members(
        session=session,
        members={panelist.id: SeatReason.MOBILE_FAILING},
        actor=Actor.SYSTEM,
        rules=rules,
        now=now,
    )
    if newly:
        audit.record(
            session=session,
            kind=AuditKind.PANELIST_CHANGED,
            actor=Actor.SYSTEM,
            now=now,
            data={"panelist": panelist.id, "mobile_failing": True, "error": error[:100]},
        )
    return changes
