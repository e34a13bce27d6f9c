"""Masking citizens' mobile numbers and ID-card numbers in text shown to panelists.

The stored text stays intact for staff; only what a panelist sees goes through ``mask``.
Full-width digits (common in text typed on Chinese keyboards) are masked like ASCII ones.
"""

from __future__ import annotations

import re

_D = "[0-9\uff10-\uff19]"  # ASCII or full-width digit
_SEP = "[- \u00a0]?"  # "139-0715-1234", "139 0715 1234"

# Each alternative must be a whole run of digits: a 15- or 18-digit run is an ID card
# number, an 11-digit run starting 13-19 (optionally after +86/86) a mainland mobile.
_PATTERN = re.compile(
    rf"""
    (?<![0-9A-Za-z\uff10-\uff19])
    (?:
        (?P<id18>{_D}{{17}}[0-9Xx\uff10-\uff19\uff38\uff58])
      | (?P<id15>{_D}{{15}})
      | (?P<mobile>
            (?P<cc>(?:\+|\uff0b)?(?:86|\uff18\uff16)[- ]?)?
            (?P<head>[1\uff11][3-9\uff13-\uff19]{_D})
            {_SEP}(?P<mid>{_D}{{4}})
            {_SEP}(?P<tail>{_D}{{4}})
        )
    )
    (?![0-9A-Za-z\uff10-\uff19])
    """,
    re.VERBOSE,
)


def _replace(match: re.Match) -> str:
    if match["id18"]:
        number = match["id18"]
        return number[:3] + "*" * 11 + number[-4:]
    if match["id15"]:
        number = match["id15"]
        return number[:3] + "*" * 8 + number[-4:]
    return f"{match['cc'] or ''}{match['head']}****{match['tail']}"


def mask(text: str | None) -> str:
    """The text with every mobile and ID-card number masked (``139****5678``)."""
    if not text:
        return text or ""
    return _PATTERN.sub(_replace, text)
