"""One spelling per work order: what IMEs, copy and paste and look-alikes produce."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panel_service.appeals.work_order_numbers import (
    MAX_LENGTH,
    PATTERN,
    NotAWorkOrder,
    canonical,
)
from panel_service.enums import Refusal

from ..spellings import LOOK_ALIKES, NUMBER, SAME_WORK_ORDER


@pytest.mark.parametrize("spelling", SAME_WORK_ORDER.values(), ids=SAME_WORK_ORDER.keys())
def test_every_spelling_of_one_work_order_is_that_work_order(spelling):
    assert canonical(spelling) == NUMBER


@pytest.mark.parametrize("spelling", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_look_alikes_and_other_scripts_are_refused_not_guessed(spelling):
    with pytest.raises(NotAWorkOrder) as refused:
        canonical(spelling)
    assert refused.value.code == Refusal.WORK_ORDER_FORMAT


@pytest.mark.parametrize("empty", [None, "", "   ", "\u200b\ufeff", "--", 12345])
def test_nothing_left_is_required(empty):
    with pytest.raises(NotAWorkOrder) as refused:
        canonical(empty)
    assert refused.value.code == Refusal.REQUIRED


@pytest.mark.parametrize("text", ["XN1", "X" * (MAX_LENGTH + 1), "-" * 65 + "XN2026"])
def test_too_short_or_too_long_is_refused(text):
    with pytest.raises(NotAWorkOrder):
        canonical(text)


canonical_numbers = st.from_regex(re.compile(PATTERN), fullmatch=True)
# Format characters (Cf): zero-width space, ZWNJ, ZWJ, word joiner, BOM, soft hyphen,
# bidi marks and isolates, the Mongolian vowel separator.
invisible = st.sampled_from(
    list("\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202c\u2066\u180e")
)
separator = st.sampled_from([" ", "\u3000", "\t", "-", "－", "\u2010", "\u2011", "\u2013",
                             "\u2014", "\u2212", "\ufe63"])  # fmt: skip


def _full_width(char: str) -> str:
    return chr(ord(char) + 0xFEE0)


@given(
    number=canonical_numbers,
    data=st.data(),
)
def test_any_mix_of_width_case_invisibles_and_separators_is_the_same_number(number, data):
    typed = []
    for char in number:
        if data.draw(st.booleans()):
            char = _full_width(char)
        if data.draw(st.booleans()):
            char = char.lower()
        typed.append(char)
        typed.extend(data.draw(st.lists(st.one_of(invisible, separator), max_size=2)))
    text = "".join(typed)
    if len(text) <= 64:
        assert canonical(text) == number


@given(st.text(max_size=40))
def test_whatever_is_accepted_is_canonical_and_stays_so(text):
    try:
        number = canonical(text)
    except NotAWorkOrder:
        return
    assert re.fullmatch(PATTERN, number)
    assert canonical(number) == number
