"""The dateline at the opening of a body: ``PARIS (Reuters) -``, ``Londres, 3 mai (AFP) -``.

Only recognised, never cut: the body keeps its text and the caller gets the place, the
agency and where the dateline ends.
"""

from __future__ import annotations

import re
from typing import Any

_DASH = r"(?:--|[-‐‑‒–—―])"
_PLACE = r"(?P<place>[^\W\d_][^\W\d_'’.\- ]*(?:[ .'’\-]{1,2}[^\W\d_]+){0,3}\.?)"
_DATE = r"(?:,\s*(?P<date>[^\W_][\w. ]{0,24}?))?"
_AGENCY = r"(?:\s*\((?P<agency>[^()\n]{2,40})\))?"
DATELINE_RE = re.compile(rf"\A\s*{_PLACE}{_DATE}{_AGENCY}\s*{_DASH}\s+")


def find_dateline(body: str) -> dict[str, Any] | None:
    """``{place, agency, date, end}`` or None.

    A plain capitalised word followed by a dash is prose ("Paris - the city ..."), so we
    require a place in capitals (the wire style) or an agency in parentheses.
    """
    match = DATELINE_RE.match(body)
    if match is None:
        return None
    place, agency, extra = match["place"].strip(), match["agency"], match["date"]
    if not (agency or _is_capitals(place)):
        return None
    # After the comma comes a date ("Jan 5", "3 mai") or a region ("Calif.", "Ukraine").
    date = extra.strip() if extra and any(c.isdigit() for c in extra) else None
    region = extra.strip() if extra and not date else None
    return {
        "place": _display_place(place) + (f", {region}" if region else ""),
        "agency": agency.strip() if agency else None,
        "date": date,
        "end": match.end(),
    }


def _is_capitals(place: str) -> bool:
    letters = [c for c in place if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _display_place(place: str) -> str:
    """``JAKARTA`` -> ``Jakarta``, ``NEW YORK`` -> ``New York``; mixed case is kept."""
    if not _is_capitals(place) or len(place.replace(".", "")) <= 3:
        return place  # "U.S." and "UK" are abbreviations, not shouted words
    return re.sub(r"[^\W\d_]+", lambda m: m[0].capitalize(), place)
