"""Masking citizens' mobile numbers and ID-card numbers in text shown to panelists.

The stored text stays intact for staff; only what a panelist sees goes through ``mask``, which
returns new text and never changes its argument.

What is masked, however it is written:

- a mainland mobile, ``1[3-9]`` and nine more digits, optionally after ``+86``, ``86`` or
  ``0086``, grouped 3-4-4 or not at all;
- an 18-digit ID-card number (the last character may be ``X``/``x``), grouped 6-8-4,
  6-4-4-4 or not at all, and a 15-digit one grouped 6-6-3 or not at all.

Digits may be ASCII or full width (common on Chinese keyboards); between groups there may be
up to three spaces (also no-break, full-width and zero-width ones), dots, dashes or middle
dots. A number may touch letters or Chinese characters (``Tel13907151234``, ``电话…``), but it
must be a whole run of digits: a mobile inside a 20-digit number is not half-masked, and a
work order (``XN`` and 14 digits) is left alone.

The masked form keeps the first three and the last four digits as written (full width stays
full width) and drops the separators inside the number: ``139****1234``,
``420***********123X``, ``420********7567``. A country prefix is kept as written
(``+86 139****1234``).
"""

from __future__ import annotations

import functools
import re

_D = "[0-9\uff10-\uff19]"  # ASCII or full-width digit
# Spaces (ASCII, no-break, U+2000-U+200A, zero-width U+200B-U+200D, full-width), dots,
# dashes and middle dots: what people and copy-paste put between groups of digits.
_SEP_CHARS = " \u00a0\u00ad\u2000-\u200d\u202f\u2060\u3000\ufeff.\uff0e\u00b7\\-\uff0d\u2010-\u2015"
_SEP = f"[{_SEP_CHARS}]{{0,3}}"
_SEPARATOR = re.compile(f"[{_SEP_CHARS}]")

# Each alternative must be a whole run of digits (no digit right before or after it). The
# mobile comes first so that 0086 and eleven digits (15 in a row) is read as a mobile.
_PATTERN = re.compile(
    rf"""
    (?<!{_D})
    (?:
        (?P<mobile>
            (?P<cc>(?:[+\uff0b]|[0\uff10]{{2}})?[8\uff18][6\uff16]{_SEP})?
            (?P<head>[1\uff11][3-9\uff13-\uff19]{_D})
            {_SEP}{_D}{{4}}
            {_SEP}(?P<tail>{_D}{{4}})
        )
      | (?P<id18>
            {_D}{{6}}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}{_SEP}{_D}{{3}}[0-9Xx\uff10-\uff19\uff38\uff58]
        )
      | (?P<id15>{_D}{{6}}{_SEP}{_D}{{6}}{_SEP}{_D}{{3}})
    )
    (?!{_D})
    """,
    re.VERBOSE,
)


def _replace(match: re.Match) -> str:
    if match["mobile"]:
        return f"{match['cc'] or ''}{match['head']}****{match['tail']}"
    number = _SEPARATOR.sub("", match.group())
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask(text: str | None) -> str:
    """The text with every mobile and ID-card number masked (``139****5678``)."""
    if not text:
        return text or ""
    return _masked(text)


@functools.lru_cache(maxsize=2048)
def _masked(text: str) -> str:
    # An appeal's texts never change, and every view of every link page masks them again:
    # the pattern scans each position of a long Chinese text (BENCHMARKS.md); a look-up
    # costs a hash of the text.
    return _PATTERN.sub(_replace, text)
