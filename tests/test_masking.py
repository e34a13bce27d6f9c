"""Citizens' numbers are masked on the panelist's page, never in the database."""

from __future__ import annotations

import pytest

from panel_service.masking import mask


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
