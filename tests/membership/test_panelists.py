"""Panel membership: numbers, categories, terms, duplicates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from panel_service.membership.changes import retire_panelist
from panel_service.membership.panelists import (
    PanelistInput,
    PanelistInvalid,
    add_panelist,
    normalize_mobile,
)

from .. import factories


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13907151234", "+8613907151234"),
        ("139 0715 1234", "+8613907151234"),
        ("+86 139-0715-1234", "+8613907151234"),
        ("8613907151234", "+8613907151234"),
        ("+852 5123 4567", "+85251234567"),
    ],
)
def test_mobiles_are_normalized_to_e164(raw, e164):
    assert normalize_mobile(raw) == e164


@pytest.mark.parametrize(
    "raw", ["", "12345", "0715-8123456", "1390715123", "电话", "+86 139 0715 12345"]
)
def test_bad_or_landline_numbers_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_mobile(raw)


def _input(**overrides):
    values = dict(
        name="王建国",
        mobile="13907151234",
        category="media",
        term_start="2025-06-01",
        term_end="2028-05-31",
        pledge_signed_on="2025-05-29",
    )
    values.update(overrides)
    return PanelistInput(**values)


def test_add_panelist_stores_normalized_values(session, now):
    panelist = add_panelist(session=session, data=_input(), actor="admin", now=now)
    assert (panelist.mobile, panelist.category, str(panelist.term_end)) == (
        "+8613907151234",
        "media",
        "2028-05-31",
    )


def test_the_same_number_twice_is_refused_whatever_its_spelling(session, now):
    add_panelist(session=session, data=_input(), actor="admin", now=now)
    with pytest.raises(PanelistInvalid) as info:
        add_panelist(
            session=session,
            data=_input(name="李四", mobile="+86 139 0715 1234"),
            actor="a",
            now=now,
        )
    assert set(info.value.errors) == {"mobile"}


@pytest.mark.parametrize("spelling", ["２０２８-０５-３１", "2028-5-31", " 2028-05-31 "])
def test_a_roster_date_is_read_like_every_other_typed_date(session, now, spelling):
    """One parser (timeutil.parse_date) for the roster, the forms and the filters: what an
    IME or a spreadsheet types is a date everywhere or nowhere."""
    panelist = add_panelist(
        session=session, data=_input(term_end=spelling), actor="admin", now=now
    )
    assert panelist.term_end == date(2028, 5, 31)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"category": "celebrity"}, "category"),
        ({"affiliation": "NOPE"}, "affiliation"),
        ({"term_start": "2025-13-01"}, "term_start"),
        ({"term_end": "2024-01-01"}, "term_end"),
        ({"pledge_signed_on": "yesterday"}, "pledge_signed_on"),
    ],
)
def test_invalid_fields_are_named(session, now, overrides, field):
    with pytest.raises(PanelistInvalid) as info:
        add_panelist(session=session, data=_input(**overrides), actor="admin", now=now)
    assert field in info.value.errors


def test_update_records_changed_field_names_only(session, now, rules):
    from sqlmodel import select

    from panel_service.membership.panelists import update_panelist
    from panel_service.models import AuditEvent

    panelist = add_panelist(session=session, data=_input(), actor="admin", now=now)
    panelist.mobile_failing_since = now
    changed = update_panelist(
        session=session,
        panelist=panelist,
        data=_input(mobile="13907159999", name="王建军"),
        actor="admin",
        rules=rules,
        now=now,
    )
    assert sorted(changed) == ["mobile", "name"]
    assert panelist.mobile == "+8613907159999" and panelist.mobile_failing_since is None
    event = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert '"fields":["name","mobile"]' in event.data or '"fields":["mobile","name"]' in event.data
    assert "13907159999" not in event.data


def test_suspend_reinstate_and_retire(session, appeal, rules, now):
    from sqlmodel import select

    from panel_service.enums import AssignmentState
    from panel_service.membership.changes import (
        MembershipRefused,
        reinstate_panelist,
        retire_panelist,
        suspend_panelist,
    )
    from panel_service.models import Assignment, Panelist

    seat = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).first()
    member = session.get(Panelist, seat.panelist_id)
    replaced = suspend_panelist(
        session=session, panelist=member, actor="admin", rules=rules, now=now
    )
    assert len(replaced) == 1 and seat.state == AssignmentState.REPLACED
    assert not member.active and member.retired_on is None
    reinstate_panelist(session=session, panelist=member, actor="admin", rules=rules, now=now)
    assert member.active
    retire_panelist(session=session, panelist=member, actor="admin", rules=rules, now=now)
    assert (member.active, member.retired_on) == (False, date(2025, 9, 24))  # 10:00 in Beijing
    with pytest.raises(MembershipRefused) as refused:
        reinstate_panelist(session=session, panelist=member, actor="admin", rules=rules, now=now)
    assert refused.value.code == "retired"


def test_retiring_at_0300_beijing_on_1_october_dates_the_retirement_1_october(session, rules):
    member = factories.PanelistFactory()
    session.flush()
    at = datetime(2025, 9, 30, 19, 0, tzinfo=UTC)  # 03:00 on 1 October in Beijing
    retire_panelist(session=session, panelist=member, actor="admin", rules=rules, now=at)
    assert member.retired_on == date(2025, 10, 1)
