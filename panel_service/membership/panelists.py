"""Panel members: their details checked, added and edited, and the roster read.

An edit that can affect seats already held updates the member's row first, then lets
``lifecycle.recheck_members`` re-check every live appeal where they hold a pending seat, and
records its membership event last: the lifecycle's lock order. Suspension, retirement and
a failing number are in ``changes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import phonenumbers
from sqlmodel import Session, col, func, select

from ..enums import AuditKind, MembershipChange, PanelistCategory, Refusal
from ..models import Department, Panelist
from ..panel.lifecycle import recheck_members
from ..record import audit
from ..record.history import facts
from ..refusals import Invalid
from ..rules import PanelRules
from ..timeutil import parse_date


class PanelistInvalid(Invalid):
    """Field-by-field problems with a panelist's data, or with a membership change."""


class MobileInvalid(ValueError):
    """Not a mobile number; ``code`` says how."""

    def __init__(self, code: Refusal):
        super().__init__(str(code))
        self.code = code


def normalize_mobile(raw: str, region: str = "CN") -> str:
    """A mobile number in E.164, or MobileInvalid."""
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise MobileInvalid(Refusal.NOT_A_PHONE_NUMBER) from exc
    if not phonenumbers.is_valid_number(number):
        raise MobileInvalid(Refusal.NOT_A_PHONE_NUMBER)
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise MobileInvalid(Refusal.NOT_A_MOBILE_NUMBER)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class PanelistInput:
    name: str
    mobile: str
    category: str
    term_start: date | str
    term_end: date | str
    affiliation: str | None = None  # department code
    pledge_signed_on: date | str | None = None
    active: bool = True


def _date(value, field: str, errors: dict, required: bool = True) -> date | None:
    if isinstance(value, date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = Refusal.REQUIRED
        return None
    try:
        return parse_date(str(value))
    except ValueError:
        errors[field] = Refusal.NOT_A_DATE
        return None


def validate(*, session: Session, data: PanelistInput, existing_id: int | None = None) -> dict:
    """Clean a panelist's fields or raise PanelistInvalid."""
    errors: dict[str, Refusal] = {}
    values: dict = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = Refusal.REQUIRED
    elif len(name) > 50:
        errors["name"] = Refusal.TOO_LONG
    values["name"] = name
    try:
        values["mobile"] = normalize_mobile(data.mobile)
    except MobileInvalid as exc:
        errors["mobile"] = exc.code
    else:
        other = session.exec(select(Panelist).where(Panelist.mobile == values["mobile"])).first()
        if other is not None and other.id != existing_id:
            errors["mobile"] = Refusal.MOBILE_TAKEN
    try:
        values["category"] = PanelistCategory((data.category or "").strip())
    except ValueError:
        errors["category"] = Refusal.UNKNOWN_CATEGORY
    values["affiliation_id"] = None
    if data.affiliation and data.affiliation.strip():
        department = session.exec(
            select(Department).where(Department.code == data.affiliation.strip())
        ).first()
        if department is None:
            errors["affiliation"] = Refusal.UNKNOWN_DEPARTMENT
        else:
            values["affiliation_id"] = department.id
    values["term_start"] = _date(data.term_start, "term_start", errors)
    values["term_end"] = _date(data.term_end, "term_end", errors)
    values["pledge_signed_on"] = _date(
        data.pledge_signed_on, "pledge_signed_on", errors, required=False
    )
    if values["term_start"] and values["term_end"] and values["term_end"] < values["term_start"]:
        errors["term_end"] = Refusal.TERM_ENDS_BEFORE_START
    values["active"] = bool(data.active)
    if errors:
        raise PanelistInvalid(errors)
    return values


def add_panelist(*, session: Session, data: PanelistInput, actor: str, now: datetime) -> Panelist:
    """Add a member to the panel."""
    values = validate(session=session, data=data)
    panelist = Panelist(created_at=now, **values)
    session.add(panelist)
    session.flush()
    audit.record(
        session=session,
        kind=AuditKind.PANELIST_ADDED,
        actor=actor,
        now=now,
        # The facts a draw depends on, for replays and the public record; no name, no number.
        data={"panelist": panelist.id, **facts(panelist, _code(session, panelist))},
    )
    return panelist


def update_panelist(
    *,
    session: Session,
    panelist: Panelist,
    data: PanelistInput,
    actor: str,
    rules: PanelRules,
    now: datetime,
) -> list[str]:
    """Change a member's details; returns the names of the fields that changed.

    Seats the member holds are re-checked: one they may no longer keep (a conflict, the
    government quota, no pledge) goes to the next candidate; a vote already cast stands.
    """
    values = validate(session=session, data=data, existing_id=panelist.id)
    values.pop("active")  # membership changes go through suspend/reinstate/retire
    changed = [k for k, v in values.items() if getattr(panelist, k) != v]
    if not changed:
        return []
    for key in changed:
        setattr(panelist, key, values[key])
    if "mobile" in changed:
        panelist.mobile_failing_since = None  # a new number gets a fresh chance
    session.add(panelist)
    session.flush()
    recheck_members(session=session, members={panelist.id: None}, actor=actor, rules=rules, now=now)
    # Field names and the facts a draw depends on; never a name or a mobile number.
    audit.record(
        session=session,
        kind=AuditKind.PANELIST_CHANGED,
        actor=actor,
        now=now,
        data={
            "panelist": panelist.id,
            "change": MembershipChange.EDITED,
            "fields": changed,
            "state": facts(panelist, _code(session, panelist)),
        },
    )
    return changed


def _code(session: Session, panelist: Panelist) -> str | None:
    if panelist.affiliation_id is None:
        return None
    return session.get(Department, panelist.affiliation_id).code


def roster(*, session: Session, show: str = "active") -> list[Panelist]:
    """Members to list: ``active``, ``inactive`` (suspended or retired) or ``all``."""
    query = select(Panelist).order_by(col(Panelist.active).desc(), Panelist.id)
    if show == "active":
        query = query.where(Panelist.active)
    elif show == "inactive":
        query = query.where(~col(Panelist.active))
    return list(session.exec(query))


def count_active(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(Panelist).where(Panelist.active)).one()


def names(*, session: Session) -> dict[int, str]:
    return dict(session.exec(select(Panelist.id, Panelist.name)).all())


def failing_numbers(*, session: Session) -> list[Panelist]:
    """Members whose number the SMS provider reported as unreachable."""
    return list(
        session.exec(select(Panelist).where(col(Panelist.mobile_failing_since).is_not(None)))
    )


def awaiting_activation(*, session: Session) -> list[Panelist]:
    """Inactive members who may come (back) onto the panel: not retired."""
    return list(
        session.exec(
            select(Panelist).where(~col(Panelist.active), col(Panelist.retired_on).is_(None))
        )
    )
