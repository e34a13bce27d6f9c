"""Citizens' numbers are masked on the panelist's page, never in the database."""

from __future__ import annotations

import re
import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panel_service.appeals.masking import mask


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("联系电话13907155678。", "联系电话139****5678。"),
        ("+8613907155678", "+86139****5678"),
        ("86 13907155678", "86 139****5678"),
        ("手机139-0715-5678回电", "手机139****5678回电"),
        ("手机139 0715 5678", "手机139****5678"),
        ("全角１３９０７１５５６７８", "全角１３９****５６７８"),
        ("身份证号420102199003075678,", "身份证号420***********5678,"),
        ("身份证42010219900307567X", "身份证420***********567X"),
        ("id 42010219900307567x.", "id 420***********567x."),
        ("老身份证420102900307567", "老身份证420********7567"),
        ("电话13907155678和18607155678", "电话139****5678和186****5678"),
    ],
)
def test_numbers_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "工单号XN20250000000001",  # a work order number, not a person's
        "12345热线",
        "座机027-85551234",  # a landline: not a citizen's mobile
        "12907155678",  # 12x is no mainland mobile prefix
        "139071556781",  # 12 digits: not a mobile
        "金额1390715567元",
        "2025年9月20日更换路灯12盏",
        "",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask(text) == text


def test_none_becomes_empty():
    assert mask(None) == ""


# --- the spellings of Defect 1: next to letters, grouped, full-width --------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tel13907151234", "Tel139****1234"),
        ("电话13907151234", "电话139****1234"),
        ("ID420102199001011234", "ID420***********1234"),
        ("mobile:13907151234abc", "mobile:139****1234abc"),
        ("139.0715.1234", "139****1234"),
        ("139 0715 1234", "139****1234"),
        ("139-0715-1234", "139****1234"),
        ("139\u00a00715\u00a01234", "139****1234"),
        ("139\u30000715\u30001234", "139****1234"),
        ("139\u200b0715\u200b1234", "139****1234"),  # an invisible zero-width space
        ("139 - 0715 - 1234", "139****1234"),
        ("420102 19900101 123X", "420***********123X"),
        ("420102-19900101-123X", "420***********123X"),
        ("420102 1990 0101 123x", "420***********123x"),
        ("420102 900307 567", "420********7567"),
        ("１３９．０７１５．１２３４", "１３９****１２３４"),
        ("４２０１０２１９９００１０１１２３Ｘ", "４２０***********１２３Ｘ"),
        ("＋８６１３９０７１５１２３４", "＋８６１３９****１２３４"),
        ("+86 139 0715 1234", "+86 139****1234"),
        ("0086-13907151234", "0086-139****1234"),
        ("电话13907151234 13907155678", "电话139****1234 139****5678"),
    ],
)
def test_numbers_are_masked_however_they_are_written(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "XN20251120000123",  # 'XN' + 14 digits: a work order, whole
        "工单XN20251120000123已办结",
        "12345678901390715123",  # a mobile inside a 20-digit run is not half-masked
        "流水号5513907151234",  # 13 digits, not +86: no mobile inside
        "编号139071512345号",  # 12 digits
        "1390715123456789",  # 16 digits: neither a mobile nor an ID
        "2025年9月20日",
        "2025-09-20 13:45",
        "罚款1,390.00元",
        "139 0715 12345",  # the last group runs on: not a mobile
    ],
)
def test_numbers_that_are_no_mobile_or_id_are_left_whole(text):
    assert mask(text) == text


# --- generated spellings (hypothesis) ------------------------------------------------------

FULL_WIDTH = {c: chr(ord(c) - 0x21 + 0xFF01) for c in "0123456789+Xx"}
SEPARATORS = ["", " ", ".", "-", "\u00a0", "\u3000"]
# Around the number: Latin letters (X and x too), Chinese characters, punctuation; no digits.
surroundings = st.text(
    alphabet=st.one_of(
        st.sampled_from(string.ascii_letters + "，。：:()（）、+＋ -."),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    ),
    max_size=6,
)


@st.composite
def spelled(draw, characters: str) -> str:
    """The characters, each written in ASCII or full width."""
    return "".join(FULL_WIDTH[c] if draw(st.booleans()) else c for c in characters)


@st.composite
def written_mobiles(draw):
    """A mainland mobile as people type it, and the masked form ``mask`` must give."""
    rest = draw(st.text("0123456789", min_size=9, max_size=9))
    digits = "1" + draw(st.sampled_from("3456789")) + rest
    prefix = draw(st.sampled_from(["", "86", "+86", "0086"]))
    prefix = draw(spelled(prefix)) + (draw(st.sampled_from(SEPARATORS)) if prefix else "")
    head, middle, tail = (draw(spelled(part)) for part in (digits[:3], digits[3:7], digits[7:]))
    written = prefix + head + draw(st.sampled_from(SEPARATORS)) + middle
    written += draw(st.sampled_from(SEPARATORS)) + tail
    return written, prefix + head + "****" + tail


@st.composite
def written_ids(draw):
    """An 18-digit ID-card number as people type it, and its masked form."""
    digits = draw(st.text("0123456789", min_size=17, max_size=17))
    digits += draw(st.sampled_from("0123456789Xx"))
    region, birth, rest = (draw(spelled(part)) for part in (digits[:6], digits[6:14], digits[14:]))
    written = region + draw(st.sampled_from(SEPARATORS)) + birth
    written += draw(st.sampled_from(SEPARATORS)) + rest
    return written, region[:3] + "*" * 11 + rest


@given(number=st.one_of(written_mobiles(), written_ids()), before=surroundings,
       after=surroundings)  # fmt: skip
def test_generated_mobiles_and_ids_keep_only_their_ends(number, before, after):
    written, expected = number
    text = before + written + after
    original = "".join(text)  # a copy, to show mask leaves its argument as it was
    masked = mask(text)
    assert masked == before + expected + after
    assert text == original
    # The middle digits are gone (only the kept head and tail remain), the tail survives.
    kept = unicodedata.normalize("NFKC", masked[len(before) : len(masked) - len(after)])
    assert kept.count("*") in (4, 11)
    assert kept.endswith(unicodedata.normalize("NFKC", written)[-4:])
    assert mask(masked) == masked  # masking twice changes nothing more


@given(
    digits=st.text("0123456789", min_size=12, max_size=25).filter(
        # never a whole mobile or ID (13 digits starting 861[3-9] is one after 86; 17 digits
        # and an X would be an ID, so no X follows)
        lambda s: len(s) not in (15, 18) and not re.fullmatch("861[3-9][0-9]{9}", s)
    ),
    before=st.text(string.ascii_letters + "工单号", max_size=4),
    after=st.text(string.ascii_letters.replace("x", "").replace("X", "") + "号。", max_size=4),
)
def test_longer_digit_runs_are_never_half_masked(digits, before, after):
    text = before + digits + after
    assert mask(text) == text
