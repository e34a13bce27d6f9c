"""Panel membership: numbers, categories, terms, duplicates."""

from __future__ import annotations

import pytest

from panel_service.panelists import PanelistInput, PanelistInvalid, add_panelist, normalize_mobile


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
