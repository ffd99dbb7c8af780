"""The dateline at the opening of a body, in the wire styles of every language:
``PARIS (Reuters) -``, ``Londres, 3 mai (AFP) -``, ``HALIFAX, Nova Scotia (AP) —``,
``MADRID, 5 (EFE).-``, ``ROMA, 12 MAR -``, ``JAKARTA, KOMPAS.com -``, ``Frankfurt/Main (dpa) -``,
``(ANSA) - ROMA, 05 DIC -``, ``Genf (epd).``, ``NEW DELHI:``, ``CALDEN.``, ``(Reuters) —``,
``MOSCOW, December 7. /TASS/.``, ``NEW YORK, Dec. 7, 2026 /PRNewswire/ --``.
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
_DATE = r"(?:,\s*(?P<date>[^\W_][\w. ]{0,24}?(?:,\s*\d{4})?))?"  # "Dec. 7, 2026"
_AGENCY = r"(?:\s*\((?P<agency>[^()\n]{2,40})\))?"
# Spanish wire copy closes the agency with a full stop before the dash: "(EFE).-".
# Matched at a position (``match(body, pos)``), so no ``\A``. A full stop just before the
# dash (the Spanish ".-") and a dash that ends its line (group ``eol``) are signals.
DATELINE_RE = re.compile(
    rf"[ \t]*{_PLACE}{_DATE}{_AGENCY}[ \t]*\.?(?P<dash>{_DASH})(?:(?P<eol>[ \t]*\n)|[ \t]+)\s*"
)
# The agency first, as ANSA and AGI write it: "(ANSA) - ROMA, 05 DIC - Il governo", or with
# no place at all: "(Reuters) — The", "(EFE).- Nicaragua", "(CNN)President" (the space lost
# when the page was read). Who is in the parentheses is checked by ``_agency_first``.
AGENCY_FIRST_RE = re.compile(
    rf"[ \t]*\((?P<agency>[^()\n]{{2,40}})\)(?:[ \t]*\.?(?P<dash>{_DASH})[ \t]*"
    rf"(?:{_PLACE}{_DATE}[ \t]*\.?{_DASH}[ \t]+)?|(?=[^\W\d_]))"
)
# German church and regional agencies end the dateline with the parenthesis, a full stop or
# nothing: "Genf (epd). Die", "Bonn (KNA) Der", "New Delhi, Dec 5 (PTI) The". Without the
# dash only a wire agency's name in the parentheses tells a dateline from a name and its
# party ("Merkel (CDU) sagte").
WIRE_AGENCIES = (
    "dpa|epd|kna|afp|ap|apa|sda|sid|ddp|dapd|dts|kap|idea|anp|belga|reuters|rtr|ots|ansa|efe"
    "|agi|adnkronos|lusa|pti|ians|ani|upi|cnn|xinhua|tass|yonhap|kyodo|antara|bernama|aa"
)
_WIRE = rf"(?:{WIRE_AGENCIES})(?:/[\w-]{{1,12}})?"  # "dpa", "dpa/lni"
_WIRE_AGENCY = re.compile(_WIRE, re.IGNORECASE)
AGENCY_STOP_RE = re.compile(
    rf"[ \t]*{_PLACE}{_DATE}[ \t]*\((?P<agency>{_WIRE})\)\.?[ \t]+(?=[^\W\d_])", re.IGNORECASE
)
# The agency between slashes, as press-release wires and TASS write it: "NEW YORK, Dec. 7,
# 2026 /PRNewswire/ --", "MOSCOW, December 7. /TASS/. Russian". The slashes are the signal.
SLASHED_RE = re.compile(
    rf"[ \t]*{_PLACE}{_DATE}[ \t]*\.?[ \t]*/(?P<agency>[^\W\d_][^/\n]{{1,39}})/[ \t]*"
    rf"(?:\.|{_DASH})?[ \t]+(?=[^\W\d_])"
)
# A place in capitals closed by a colon or a full stop, as Indian and German regional papers
# write it: "NEW DELHI: Their", "BANGKOK: Ein", "CALDEN. In Sorge", "NEW DELHI, Dec 5 (PTI):".
# Mixed case only when two places are joined by a slash ("Lüdenscheid/Südwestfalen. Die"):
# one capitalised word and a full stop is as often a sentence ("Wochenende.", "Koniec.").
STOP_RE = re.compile(rf"[ \t]*{_PLACE}{_DATE}{_AGENCY}(?P<stop>[:.])[ \t]+(?=[^\W\d_])")
# What a page puts in capitals before a dash or a colon that is no place: a kicker, a label,
# a column's name ("UPDATED:", "FILE -", "DEAR ABBY:", "EXCLUSIVE -", "EILMELDUNG:").
_KICKERS = re.compile(
    "breaking(?: news)?|updated?|exclusiv[ea]?|watch|analysis|opinion|editorial|comment(?:ary)?"
    "|live|videos?|photos?|fotos?|file|archiv[e]?|symbolbild|correction|clarification"
    "|(?:editor's )?note|urgente?|flash|alert|warning|review|interview|podcast|sponsored"
    "|advertisement|anzeige|eilmeldung|kommentar|(?:en )?direct|ultima ora|última hora"
    "|aggiornamento|actualización|listen|related|graphic|spoiler|summary|read more|dear .*",
    re.IGNORECASE,
)
# A line of its own that holds only a place and a date, maybe in parentheses: the press
# release's dateline ("( Pescasseroli, 14 Gennaio 20 )", "Berlin, 14.01.2020").
DATE_LINE_RE = re.compile(
    rf"[ \t]*(?P<open>\(\s*)?{_PLACE},[ \t]*(?P<date>(?=[\w. ]{{0,25}}\d)[^\W_][\w. ]{{0,24}}?)"
    r"[ \t]*(?(open)\))[ \t]*\n\s*"
)
_OPENING_CHARS = 1000  # a headline line (at most 200) and a dateline fit well within this
_NUMERIC_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
# A first line that ends without a sentence's punctuation and is short is a headline or a
# deck the page kept ("Sieben Menschen sterben bei Brand in Russland"); the dateline follows.
_HEADLINE = re.compile(r"\s*[^\n]{1,200}(?<![.!?:;…])\n")
# An online outlet named after the comma ("KOMPAS.com", "detik.com") is the source.
_SITE = re.compile(r"[^\W_][\w\-]*(?:\.[a-z]{2,})+", re.IGNORECASE)


def find_dateline(body: str) -> dict[str, Any] | None:
    """``{place, agency, date, end}`` or None; the place is None when only an agency opens
    the body ("(Reuters) —")."""
    match = _match(body)
    if match is None:
        return None
    span = _place_span(match)
    place = body[span[0] : span[1]].strip() if span else None
    if match.re is DATE_LINE_RE:  # a place and a date on a line of their own
        return {
            "place": _display_place(place or ""),
            "agency": None,
            "date": match["date"].strip(),
            "end": match.end(),
        }
    agency = match["agency"] if span is None or span[0] != match.start("agency") else None
    extra = match["date"]
    if extra and not agency and _SITE.fullmatch(extra.strip()):
        agency, extra = extra, None
    # After the comma comes a date ("Jan 5", "3 mai") or a region ("Calif.", "Ukraine").
    date = extra.strip() if extra and any(c.isdigit() for c in extra) else None
    region = extra.strip() if extra and not date else None
    return {
        "place": _display_place(place) + (f", {region}" if region else "") if place else None,
        "agency": agency.strip() if agency else None,
        "date": date,
        "end": match.end(),
    }


def place_span(body: str) -> tuple[int, int, int] | None:
    """Where the dateline's place starts and ends, and where the dateline ends."""
    match = _match(body)
    span = _place_span(match) if match else None
    if match is None or span is None:
        return None
    return span[0], span[0] + len(body[span[0] : span[1]].rstrip()), match.end()


def _place_span(match: re.Match[str]) -> tuple[int, int] | None:
    """The place's group, or the parenthesis that names a place rather than an agency
    ("(Leipzig) - Von"); None for an agency alone ("(Reuters) —")."""
    if match["place"]:
        return match.span("place")
    agency = match["agency"]
    if agency and not _WIRE_AGENCY.fullmatch(agency.strip()) and not _is_capitals(agency):
        return match.span("agency")
    return None


def _match(body: str) -> re.Match[str] | None:
    """At the opening, or on the line after a headline left at the top. Only the opening is
    read: a body of one endless word must not be scanned by every form."""
    body = body[: len(body) - len(body.lstrip()) + _OPENING_CHARS]
    start = len(body) - len(body.lstrip())
    line = DATE_LINE_RE.match(body, start)
    if line is not None and _is_date(line["date"]):
        return line
    match = _wire_match(body, start)
    headline = _HEADLINE.match(body, start) if match is None else None
    return _wire_match(body, headline.end()) if headline else match


def _wire_match(body: str, at: int) -> re.Match[str] | None:
    """A wire dateline at ``at``: place first with a dash, agency first, the agency's
    parenthesis closing it, or a place closed by a colon or a full stop."""
    return (
        _signalled(DATELINE_RE.match(body, at))
        or _agency_first(AGENCY_FIRST_RE.match(body, at))
        or AGENCY_STOP_RE.match(body, at)
        or SLASHED_RE.match(body, at)
        or _stopped(STOP_RE.match(body, at))
    )


def _signalled(match: re.Match[str] | None) -> re.Match[str] | None:
    """A plain capitalised word followed by a dash is prose ("Paris - the city ..."), so we
    require a place in capitals (the wire style), an agency in parentheses, an outlet, the
    Spanish ".-", a dash that ends its line ("Düsseldorf -") or, for a place whose words
    are capitalised, a sentence that starts after the dash ("Indianapolis – Several
    thousand", "Dekalb, Ill. — Mike Glass", "Berlin – Die")."""
    if match is None or _is_kicker(match["place"]):
        return None
    extra = match["date"]
    site = bool(extra and _SITE.fullmatch(extra.strip()))
    stop = match.string[match.start("dash") - 1] == "."
    signals = (match["agency"], site, stop, match["eol"], _sentence_after(match))
    return match if any(signals) or _is_capitals(match["place"].strip()) else None


def _sentence_after(match: re.Match[str]) -> bool:
    """A title-case place (and a capitalised region or a date after its comma), a spaced
    dash, then a sentence: a capital, and a sentence's end on the same line. A headline or
    a menu has no full stop ("Offshore-Windenergie – Sauberer Strom vom Meer"), nor is an
    outlet a place ("Motorsport-Magazin.com - Der")."""
    place, extra = match["place"].strip(), (match["date"] or "").strip()
    words = re.split(r"[ \-/]+", place)
    if not all(w[:1].isupper() for w in words if w) or _SITE.fullmatch(place):
        return False
    if extra and not (extra[0].isupper() or any(c.isdigit() for c in extra)):
        return False  # "Beim ContentAward.at, der vom ZIT —": a clause, not a region
    line = match.string[match.end() :].split("\n", 1)[0]
    return line[:1].isupper() and bool(_SENTENCE_END.search(line))


_SENTENCE_END = re.compile(r"[.!?][\"”»’']?(?:\s|\Z)")


def _agency_first(match: re.Match[str] | None) -> re.Match[str] | None:
    """With a place after it, any parenthesis opens the dateline ("(ANSA) - ROMA, 05 DIC -").
    Alone it must hold a wire agency or a name in capitals ("(Reuters) —", "(CNN)"), or,
    before a dash, one place ("(Leipzig) - Von"); never a label ("(Video) -")."""
    if match is None or match["place"]:
        return match
    agency = match["agency"].strip()
    if _is_kicker(agency):
        return None
    named = bool(_WIRE_AGENCY.fullmatch(agency)) or (_is_capitals(agency) and len(agency) <= 8)
    return match if named or (match["dash"] and _is_one_place(agency)) else None


def _stopped(match: re.Match[str] | None) -> re.Match[str] | None:
    """A colon or a full stop closes the dateline of a place in capitals ("NEW DELHI:",
    "CALDEN."), of two places joined by a slash, or of a wire agency's copy
    ("New Delhi, Dec 5 (PTI):"). A full stop never closes an abbreviation ("U.S. officials")."""
    if match is None or _is_kicker(match["place"]):
        return None
    place = match["place"].strip()
    if match["stop"] == "." and ("." in place or sum(c.isalpha() for c in place) < 3):
        return None
    wire = bool(match["agency"] and _WIRE_AGENCY.fullmatch(match["agency"].strip()))
    two = "/" in place and " " not in place
    return match if wire or two or _is_capitals(place) else None


def _is_kicker(text: str) -> bool:
    return bool(_KICKERS.fullmatch(fold(text.strip().rstrip("."))))


def _is_one_place(text: str) -> bool:
    """One capitalised name, or two joined by a slash: "Leipzig", "Frankfurt/Main"."""
    return bool(re.fullmatch(r"[^\W\d_][^\W\d_-]*(?:[-/][^\W\d_]+)?", text)) and text[0].isupper()


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
