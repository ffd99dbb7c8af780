"""Numbers with what they count: ``300 drones``, ``7 ans``, ``2,5 millions d’euros``, ``40%``.

A number is only worth keeping with its unit or noun; bare numbers and numbers inside a
date mention (``17 avril``) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_SCALES = {
    "million": 1e6,
    "millions": 1e6,
    "milliard": 1e9,
    "milliards": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "thousand": 1e3,
    "mille": 1e3,
    "trillion": 1e12,
}
_NUMBER = r"(?P<number>\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+(?![\d])|\d+(?:[.,]\d+)?)"
_SCALE = r"(?:\s+(?P<scale>" + "|".join(sorted(_SCALES, key=len, reverse=True)) + r"))?"
_UNIT = r"\s*(?:(?:de|d'|d’|of)\s*)?(?P<unit>%|[$€£]|[^\W\d_][^\W\d_\-]*)"
NUMBER_RE = re.compile(rf"(?<![\w.,]){_NUMBER}{_SCALE}{_UNIT}", re.IGNORECASE)

# Words that follow a number without being what it counts ("300 et", "7 in").
_NOT_UNITS = frozenset(
    {
        "et",
        "ou",
        "de",
        "du",
        "des",
        "le",
        "la",
        "les",
        "à",
        "au",
        "en",
        "and",
        "or",
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "to",
        "of",
        "for",
        "by",
        "with",
    }
)


def find_numbers(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[dict[str, Any]]:
    """``{text, value, unit, offset}`` for each number with a unit outside the ``skip`` spans."""
    found = []
    for match in NUMBER_RE.finditer(text):
        unit = match["unit"]
        if unit.lower() in _NOT_UNITS or _inside(match.start(), skip):
            continue
        found.append(
            {"text": match[0], "value": _value(match), "unit": unit, "offset": match.start()}
        )
    return found


def _inside(offset: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def _value(match: re.Match[str]) -> int | float:
    value = _parse_number(match["number"])
    if match["scale"]:
        value *= _SCALES[match["scale"].lower()]
    return int(value) if float(value).is_integer() else value


def _parse_number(raw: str) -> float:
    """``1 000`` / ``1,000`` / ``1.000`` group thousands; a lone ``,``/``.`` + 1-2 digits is
    a decimal mark (``2,5`` French, ``2.5`` English)."""
    digits = re.sub(r"[ \u00a0\u202f]", "", raw)
    if re.fullmatch(r"\d+[.,]\d{1,2}", digits) or re.fullmatch(r"\d+[.,]\d{4,}", digits):
        return float(digits.replace(",", "."))
    return float(re.sub(r"[.,]", "", digits))
