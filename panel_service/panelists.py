"""Panel membership: adding, changing and retiring panelists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import phonenumbers
from sqlmodel import Session, col, func, select

from . import audit
from .enums import AssignmentState, AuditKind, PanelistCategory
from .models import Assignment, Department, Panelist
from .replacement import vacate_and_replace
from .rules import PanelRules
from .timeutil import local_date


class PanelistInvalid(Exception):
    """Field-by-field problems with a panelist's data."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def normalize_mobile(raw: str, region: str = "CN") -> str:
    """A mobile number in E.164, or ValueError."""
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValueError("not a mobile number")
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
            errors[field] = "required"
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = "must be a date like 2025-06-01"
        return None


def validate(*, session: Session, data: PanelistInput, existing_id: int | None = None) -> dict:
    """Clean a panelist's fields or raise PanelistInvalid."""
    errors: dict[str, str] = {}
    values: dict = {}
    name = (data.name or "").strip()
    if not name or len(name) > 50:
        errors["name"] = "required, at most 50 characters"
    values["name"] = name
    try:
        values["mobile"] = normalize_mobile(data.mobile)
    except ValueError as exc:
        errors["mobile"] = str(exc)
    else:
        other = session.exec(select(Panelist).where(Panelist.mobile == values["mobile"])).first()
        if other is not None and other.id != existing_id:
            errors["mobile"] = "already belongs to another panelist"
    try:
        values["category"] = PanelistCategory((data.category or "").strip())
    except ValueError:
        errors["category"] = "must be one of " + ", ".join(c.value for c in PanelistCategory)
    values["affiliation_id"] = None
    if data.affiliation and data.affiliation.strip():
        department = session.exec(
            select(Department).where(Department.code == data.affiliation.strip())
        ).first()
        if department is None:
            errors["affiliation"] = "unknown department code"
        else:
            values["affiliation_id"] = department.id
    values["term_start"] = _date(data.term_start, "term_start", errors)
    values["term_end"] = _date(data.term_end, "term_end", errors)
    values["pledge_signed_on"] = _date(
        data.pledge_signed_on, "pledge_signed_on", errors, required=False
    )
    if values["term_start"] and values["term_end"] and values["term_end"] < values["term_start"]:
        errors["term_end"] = "must not be before the term start"
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
        data={"panelist": panelist.id, "category": str(panelist.category)},
    )
    return panelist


def update_panelist(
    *, session: Session, panelist: Panelist, data: PanelistInput, actor: str, now: datetime
) -> list[str]:
    """Change a member's details; returns the names of the fields that changed."""
    values = validate(session=session, data=data, existing_id=panelist.id)
    values.pop("active")  # membership changes go through suspend/reinstate/retire
    changed = [k for k, v in values.items() if getattr(panelist, k) != v]
    for key in changed:
        setattr(panelist, key, values[key])
    if "mobile" in changed:
        panelist.mobile_failing_since = None  # a new number gets a fresh chance
    if changed:
        session.add(panelist)
        # Field names only: the trail is read by staff, the values may be personal data.
        audit.record(
            session=session,
            kind=AuditKind.PANELIST_CHANGED,
            actor=actor,
            now=now,
            data={"panelist": panelist.id, "change": "edited", "fields": changed},
        )
    return changed


def _deactivate(
    *,
    session: Session,
    panelist: Panelist,
    change: str,
    actor: str,
    rules: PanelRules,
    now: datetime,
) -> list[Assignment | None]:
    if panelist.retired_on is not None:
        raise PanelistInvalid({"active": "a retired panelist cannot change membership"})
    panelist.active = False
    if change == "retired":
        panelist.retired_on = local_date(now)
    session.add(panelist)
    audit.record(
        session=session,
        kind=AuditKind.PANELIST_CHANGED,
        actor=actor,
        now=now,
        data={"panelist": panelist.id, "change": change},
    )
    pending = session.exec(
        select(Assignment).where(
            Assignment.panelist_id == panelist.id, Assignment.state == AssignmentState.PENDING
        )
    ).all()
    # Appeals in flight keep five voters: each waiting seat goes to the next substitute.
    return [
        vacate_and_replace(
            session=session,
            assignment=a,
            state=AssignmentState.REPLACED,
            reason=f"panelist_{change}",
            actor=actor,
            rules=rules,
            now=now,
        )
        for a in pending
    ]


def suspend_panelist(
    *, session: Session, panelist: Panelist, actor: str, rules: PanelRules, now: datetime
) -> list[Assignment | None]:
    """Take a member off the draw for a while (illness, travel); their seats are replaced."""
    return _deactivate(
        session=session, panelist=panelist, change="suspended", actor=actor, rules=rules, now=now
    )


def retire_panelist(
    *, session: Session, panelist: Panelist, actor: str, rules: PanelRules, now: datetime
) -> list[Assignment | None]:
    """Retire a member for good (never deleted: their history stays); seats are replaced."""
    return _deactivate(
        session=session, panelist=panelist, change="retired", actor=actor, rules=rules, now=now
    )


def reinstate_panelist(*, session: Session, panelist: Panelist, actor: str, now: datetime) -> None:
    """Put a suspended (or newly added, inactive) member back into the draw."""
    if panelist.retired_on is not None:
        raise PanelistInvalid({"active": "a retired panelist cannot return"})
    if panelist.active:
        raise PanelistInvalid({"active": "already active"})
    panelist.active = True
    session.add(panelist)
    audit.record(
        session=session,
        kind=AuditKind.PANELIST_CHANGED,
        actor=actor,
        now=now,
        data={"panelist": panelist.id, "change": "activated"},
    )


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
