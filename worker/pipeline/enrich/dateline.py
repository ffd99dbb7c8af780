"""The dateline at the opening of a body, in the wire styles of every language:
``PARIS (Reuters) -``, ``Londres, 3 mai (AFP) -``, ``HALIFAX, Nova Scotia (AP) —``,
``MADRID, 5 (EFE).-``, ``ROMA, 12 MAR -``, ``JAKARTA, KOMPAS.com -``, ``Frankfurt/Main (dpa) -``,
``(ANSA) - ROMA, 05 DIC -``, ``Genf (epd).``.
It opens the body, or the line after a headline the page left at its top. A press release
puts its place and date on a line of their own instead (``Hamburg, 2. November 2021``,
``( Pescasseroli, 14 Gennaio 20 )``).

Only recognised, never cut: the body keeps its text and the caller gets the place, the
agency and where the dateline ends. The dateline ends at its dash, so the name after it
("LYON - Emmanuel Macron a dit") is never part of the place.
"""

from __future__ import annotations

import re
from typing import Any

from worker.pipeline.enrich.calendar_words import MONTHS, fold

_DASH = r"(?:--|[-‐‑‒–—―])"
# A full stop right before the dash is the Spanish ".-", not the place's ("Washington.-").
_PLACE = (
    rf"(?P<place>[^\W\d_][^\W\d_'’.\-/ ]*(?:[ .'’\-/]{{1,2}}[^\W\d_]+){{0,3}}(?:\.(?!{_DASH}))?)"
)
_DATE = r"(?:,\s*(?P<date>[^\W_][\w. ]{0,24}?))?"
_AGENCY = r"(?:\s*\((?P<agency>[^()\n]{2,40})\))?"
# Spanish wire copy closes the agency with a full stop before the dash: "(EFE).-".
# Matched at a position (``match(body, pos)``), so no ``\A``. A full stop just before the
# dash (the Spanish ".-") and a dash that ends its line (group ``eol``) are signals.
DATELINE_RE = re.compile(
    rf"[ \t]*{_PLACE}{_DATE}{_AGENCY}[ \t]*\.?(?P<dash>{_DASH})(?:(?P<eol>[ \t]*\n)|[ \t]+)\s*"
)
# The agency first, as ANSA and AGI write it: "(ANSA) - ROMA, 05 DIC - Il governo".
AGENCY_FIRST_RE = re.compile(
    rf"[ \t]*\((?P<agency>[^()\n]{{2,40}})\)[ \t]*{_DASH}[ \t]*{_PLACE}{_DATE}[ \t]*\.?"
    rf"(?P<dash>{_DASH})[ \t]+"
)
# German church and regional agencies end the dateline with the parenthesis, a full stop or
# nothing: "Genf (epd). Die", "Bonn (KNA) Der". Without the dash only a wire agency's name
# in the parentheses tells a dateline from a name and its party ("Merkel (CDU) sagte").
WIRE_AGENCIES = (
    "dpa|epd|kna|afp|ap|apa|sda|sid|ddp|dapd|dts|kap|idea|anp|belga|reuters|rtr|ots|ansa|efe"
)
AGENCY_STOP_RE = re.compile(
    rf"[ \t]*{_PLACE}{_DATE}[ \t]*\((?P<agency>(?:{WIRE_AGENCIES})(?:/[\w-]{{1,12}})?)\)"
    r"\.?[ \t]+(?=[^\W\d_])",
    re.IGNORECASE,
)
# A line of its own that holds only a place and a date, maybe in parentheses: the press
# release's dateline ("( Pescasseroli, 14 Gennaio 20 )", "Berlin, 14.01.2020").
DATE_LINE_RE = re.compile(
    rf"[ \t]*(?P<open>\(\s*)?{_PLACE},[ \t]*(?P<date>(?=[\w. ]{{0,25}}\d)[^\W_][\w. ]{{0,24}}?)"
    r"[ \t]*(?(open)\))[ \t]*\n\s*"
)
_NUMERIC_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
# A first line that ends without a sentence's punctuation and is short is a headline or a
# deck the page kept ("Sieben Menschen sterben bei Brand in Russland"); the dateline follows.
_HEADLINE = re.compile(r"\s*[^\n]{1,200}(?<![.!?:;…])\n")
# An online outlet named after the comma ("KOMPAS.com", "detik.com") is the source.
_SITE = re.compile(r"[^\W_][\w\-]*(?:\.[a-z]{2,})+", re.IGNORECASE)


def find_dateline(body: str) -> dict[str, Any] | None:
    """``{place, agency, date, end}`` or None."""
    match = _match(body)
    if match is None:
        return None
    if match.re is DATE_LINE_RE:  # a place and a date on a line of their own
        return {
            "place": _display_place(match["place"].strip()),
            "agency": None,
            "date": match["date"].strip(),
            "end": match.end(),
        }
    place, agency, extra = match["place"].strip(), match["agency"], match["date"]
    if extra and not agency and _SITE.fullmatch(extra.strip()):
        agency, extra = extra, None
    # After the comma comes a date ("Jan 5", "3 mai") or a region ("Calif.", "Ukraine").
    date = extra.strip() if extra and any(c.isdigit() for c in extra) else None
    region = extra.strip() if extra and not date else None
    return {
        "place": _display_place(place) + (f", {region}" if region else ""),
        "agency": agency.strip() if agency else None,
        "date": date,
        "end": match.end(),
    }


def place_span(body: str) -> tuple[int, int, int] | None:
    """Where the dateline's place starts and ends, and where the dateline ends."""
    match = _match(body)
    if match is None:
        return None
    start = match.start("place")
    return start, start + len(match["place"].rstrip()), match.end()


def _match(body: str) -> re.Match[str] | None:
    """At the opening, or on the line after a headline left at the top."""
    start = len(body) - len(body.lstrip())
    line = DATE_LINE_RE.match(body, start)
    if line is not None and _is_date(line["date"]):
        return line
    match = _wire_match(body, start)
    headline = _HEADLINE.match(body, start) if match is None else None
    return _wire_match(body, headline.end()) if headline else match


def _wire_match(body: str, at: int) -> re.Match[str] | None:
    """A wire dateline at ``at``: place first with a dash, agency first, or the agency's
    parenthesis closing it."""
    return (
        _signalled(DATELINE_RE.match(body, at))
        or AGENCY_FIRST_RE.match(body, at)
        or AGENCY_STOP_RE.match(body, at)
    )


def _signalled(match: re.Match[str] | None) -> re.Match[str] | None:
    """A plain capitalised word followed by a dash is prose ("Paris - the city ..."), so we
    require a place in capitals (the wire style), an agency in parentheses, an outlet, the
    Spanish ".-" or a dash that ends its line ("Düsseldorf -")."""
    if match is None:
        return None
    extra = match["date"]
    site = bool(extra and _SITE.fullmatch(extra.strip()))
    stop = match.string[match.start("dash") - 1] == "."
    signals = (match["agency"], site, stop, match["eol"])
    return match if any(signals) or _is_capitals(match["place"].strip()) else None


def _is_date(text: str) -> bool:
    """A day written with a month's name ("14 Gennaio 20", "May 5") or in figures."""
    words = re.findall(r"[^\W\d_]+", text)
    return bool(_NUMERIC_DATE.search(text)) or any(fold(w) in MONTHS for w in words)


def _is_capitals(place: str) -> bool:
    letters = [c for c in place if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _display_place(place: str) -> str:
    """``JAKARTA`` -> ``Jakarta``, ``NEW YORK`` -> ``New York``; mixed case is kept."""
    if not _is_capitals(place) or len(place.replace(".", "")) <= 3:
        return place  # "U.S." and "UK" are abbreviations, not shouted words
    return re.sub(r"[^\W\d_]+", lambda m: m[0].capitalize(), place)
