"""Free text as people write it: what is stored, and how long it is to a reader.

Bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069) reorder what
follows them on screen, so an opinion could be made to read as something it does not say
(the "Trojan Source" trick): they are removed from stored text. Length minimums count what a
reader sees: not spaces, zero-width or other format characters, nor combining marks (which
sit on the character before them), nor the few letters that draw as nothing.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# What is trimmed from either end: Python's whitespace (str.isspace) and the BOM, which
# JavaScript's \s counts; spelled out, so the API's pattern can say exactly the same.
BLANKS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_REMOVE_BIDI = dict.fromkeys(map(ord, BIDI_CONTROLS))
# Letters and symbols that render blank: Hangul fillers, the Braille blank.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_UNSEEN_CATEGORIES = frozenset({"Mn", "Me", "Mc", "Cf", "Cc", "Co", "Cn", "Zs", "Zl", "Zp"})


def without_bidi_controls(text: str) -> str:
    """``text`` without the characters that reorder what follows them."""
    return text.translate(_REMOVE_BIDI)


def clean_text(text: str) -> str:
    """``text`` as stored: without bidirectional controls, trimmed of BLANKS."""
    return without_bidi_controls(text).strip(BLANKS)


def visible_length(text: str) -> int:
    """How many characters of ``text`` a reader sees."""
    return sum(
        1
        for char in text
        if not char.isspace()
        and char not in _BLANK
        and unicodedata.category(char) not in _UNSEEN_CATEGORIES
    )
