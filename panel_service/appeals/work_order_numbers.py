"""A work order's number in its one spelling, whatever the keyboard or IME produced.

The hotline's numbers are Latin capitals and ASCII digits (``XN20261201000777``). What
arrives may be full-width (``ＸＮ２０２６…``), in lower case, carry a zero-width space or a
byte-order mark from a copy and paste, be grouped with spaces or dashes, or be spelled with
look-alikes (Cyrillic ``Х``, Arabic-Indic ``٢``) to slip past the one-live-appeal rule.
``canonical`` is the only place that decides; the API, the forms, the search box and the
CLI all call it:

1. NFKC (full-width and mathematical letters and digits become ASCII);
2. drop invisible and format characters (Unicode category Cf: ZWSP, ZWJ, BOM, soft
   hyphen, bidi marks...) and the group separators people type: any space or dash;
3. upper case;
4. what is left must be ``ALPHABET``, ``MIN_LENGTH`` to ``MAX_LENGTH`` long; anything else
   (Cyrillic or Greek letters, Arabic-Indic digits, punctuation, emoji) is refused, never
   guessed at.
"""

from __future__ import annotations

import re
import unicodedata

from ..enums import Refusal
from ..refusals import Refused

ALPHABET = "A-Z and 0-9"
MIN_LENGTH, MAX_LENGTH = 4, 32
MAX_TYPED = 64  # what may be typed, separators and all, before any of it is looked at
PATTERN = f"^[A-Z0-9]{{{MIN_LENGTH},{MAX_LENGTH}}}$"  # the canonical form, as OpenAPI says
_CANONICAL = re.compile(PATTERN)
# Dashes that NFKC leaves alone: the hyphen family (Pd) plus the minus sign and its kin.
_DASHES = {"\u2212", "\u2796", "\u02d7", "\u2043"}


class NotAWorkOrder(Refused):
    """The text cannot be a work order's number (``code`` says why)."""


def _kept(char: str) -> bool:
    if char.isspace() or char in _DASHES:
        return False
    return unicodedata.category(char) not in ("Cf", "Pd")


def folded(text: str) -> str:
    """Steps 1-3 without the final check: what the search box matches on."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if _kept(c)).upper()


def canonical(text: str | None) -> str:
    """The number's canonical spelling; raises NotAWorkOrder (required, or the format)."""
    if text is None or not isinstance(text, str):
        raise NotAWorkOrder(Refusal.REQUIRED)
    if len(text) > MAX_TYPED:
        raise NotAWorkOrder(Refusal.WORK_ORDER_FORMAT)
    number = folded(text)
    if not number:
        raise NotAWorkOrder(Refusal.REQUIRED)
    if _CANONICAL.fullmatch(number) is None:
        raise NotAWorkOrder(Refusal.WORK_ORDER_FORMAT)
    return number
