"""Free text: visible length and bidirectional controls (panel_service/text.py)."""

from __future__ import annotations

import pytest

from panel_service.text import (
    BIDI_CONTROLS,
    BLANKS,
    clean_text,
    visible_length,
    without_bidi_controls,
)


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("部门已按时更换路灯", 9),
        ("路灯 已 修", 4),  # spaces are not characters a reader counts
        ("\u200b" * 10, 0),  # zero-width spaces
        ("e\u0301" * 5, 5),  # a combining accent sits on its letter
        ("\u3164\u2800\u115f", 0),  # letters that draw as nothing
        ("\ufe0f\u200d👍", 1),  # a variation selector and a joiner
        ("ＡＢＣ１２３", 6),  # full-width, as Chinese IMEs type them
    ],
)
def test_visible_length_counts_what_a_reader_sees(text, seen):
    assert visible_length(text) == seen


def test_every_embedding_override_and_isolate_is_removed():
    assert without_bidi_controls(f"a{BIDI_CONTROLS}b") == "ab"
    # Marks (LRM, RLM) reorder nothing after them and stay.
    assert without_bidi_controls("a\u200eb\u200fc") == "a\u200eb\u200fc"


def test_blanks_are_pythons_whitespace_and_the_bom():
    import sys

    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert set(BLANKS) == spaces | {"\ufeff"}
    assert clean_text("\ufeff\u202e 路灯\x1f\u3000") == "路灯"
