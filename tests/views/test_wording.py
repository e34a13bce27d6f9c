"""Every refusal and reason code the domain can raise has words, in Chinese and English."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from panel_service.enums import PassOver, Refusal, SeatReason, StallReason
from panel_service.views.wording import FIELD_WORDS, reason, say

PARAMS = {"min": 10, "max": 2000, "count": 2, "columns": "mobile", "line": 3, "limit": 2000}


@pytest.mark.parametrize("code", list(Refusal))
def test_every_refusal_is_worded_in_chinese_and_english(app, code):
    with app.test_request_context():
        with force_locale("en"):
            english = say(code, **PARAMS)
        with force_locale("zh"):
            chinese = say(code, **PARAMS)
    assert english and chinese
    assert chinese != english, f"{code} has no Chinese translation"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)


@pytest.mark.parametrize(("field", "code"), list(FIELD_WORDS))
def test_field_specific_words_are_translated(app, field, code):
    with app.test_request_context(), force_locale("zh"):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in say(code, field, **PARAMS))


@pytest.mark.parametrize("code", [*SeatReason, *StallReason, *PassOver])
def test_every_reason_a_timeline_shows_is_worded(app, code):
    with app.test_request_context(), force_locale("zh"):
        words = reason(code)
    assert words != str(code) and any("\u4e00" <= ch <= "\u9fff" for ch in words)


def test_free_text_reasons_pass_through(app):
    with app.test_request_context():
        assert reason("与申诉单位有业务往来") == "与申诉单位有业务往来"
        assert reason(None) == ""
