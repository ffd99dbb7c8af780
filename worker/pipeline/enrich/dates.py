"""Date mentions normalised to ISO 8601, relative ones resolved against the publication date.

Relative mentions go the way their words point, from the article's own date: ``next
Tuesday`` and ``la semaine prochaine`` after it, ``letzte Woche`` before it. A day resolves
to a date, a week to an ISO week (``2024-W17``), a month to ``YYYY-MM``, a year to ``YYYY``.
Names that contain a date word ("Black Friday", "USA Today") are not dates.

Without a publication date nothing is guessed: ``hier`` stays unresolved with its text and
``17 avril`` becomes the year-less ISO form ``--04-17``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from worker.pipeline.enrich.calendar_words import (
    DAY_WORDS,
    LOWER_CASE_ONLY,
    MONTHS,
    NOT_DATES,
    PERIODS,
    SHIFTS_AFTER,
    SHIFTS_BEFORE,
    WEEKDAY_SHIFTS,
    WEEKDAYS,
    alternation,
    fold,
)

# A dot after the month only when a number follows ("Jan. 5"), not a sentence's full stop.
_M = rf"(?P<month>{alternation(MONTHS)})(?:\.(?=\s*\d))?"
_D = r"(?P<day>[0-3]?\d)(?:er|st|nd|rd|th|\.)?"
# Spanish and Portuguese join day, month and year with "de": "12 de marzo de 2024".
_Y = r"(?:,?\s+(?:de\s+)?(?P<year>(?:1[89]|20)\d\d))?"
_W = rf"(?P<weekday>{alternation(WEEKDAYS)})"
_SHIFT = rf"(?P<shift>{alternation(SHIFTS_BEFORE)})"
_AFTER = rf"(?P<after>{alternation(SHIFTS_AFTER)})"
_P = rf"(?P<period>{alternation(PERIODS)})"
_DAY_WORDS = alternation(DAY_WORDS).replace("'", "['’]")  # aujourd’hui, typographic or not
_PATTERNS = [
    r"(?P<iso>(?P<iy>(?:1[89]|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d))",
    rf"{_D}\s+(?:de\s+)?{_M}{_Y}",
    rf"{_M}\s+{_D}{_Y}",
    rf"(?P<relday>{_DAY_WORDS})",
    rf"{_SHIFT}\s+{_W}",
    rf"{_SHIFT}\s+{_P}",
    rf"{_P}\s+{_AFTER}",
    rf"{_W}(?:\s+{_AFTER})?",
]
# One pass over the text: the forms are alternatives of one regex, longest forms first so
# "samedi dernier" wins over "samedi". Python forbids a group name twice in a pattern, so
# each form's groups get a numeric suffix that _groups() strips again.
DATE_RE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.sub(r"\(\?P<(\w+)>", rf"(?P<\1_{n}>", p) for n, p in enumerate(_PATTERNS))
    + r")(?![\w-])",
    re.IGNORECASE,
)
NOT_DATES_RE = re.compile(
    rf"(?<![\w-])(?:{alternation(w for words in NOT_DATES.values() for w in words)})(?![\w-])",
    re.IGNORECASE,
)


def find_dates(text: str, published: date | None) -> list[dict[str, Any]]:
    """Every date mention in ``text`` as ``{text, offset, kind, value, resolved}``."""
    names = [m.span() for m in NOT_DATES_RE.finditer(text)]
    found = (
        _mention(m, published)
        for m in DATE_RE.finditer(text)
        if not _is_name(m, names) and not _is_noun(m[0])
    )
    return [d for d in found if d is not None]


def _is_name(match: re.Match[str], names: list[tuple[int, int]]) -> bool:
    """Inside "Black Friday" or "USA Today": a name, not a day."""
    return any(start < match.end() and match.start() < end for start, end in names)


def _is_noun(text: str) -> bool:
    return text.lower() in LOWER_CASE_ONLY and not text.islower()


def _groups(match: re.Match[str]) -> dict[str, str]:
    return {k.rsplit("_", 1)[0]: v for k, v in match.groupdict().items() if v is not None}


def _mention(match: re.Match[str], published: date | None) -> dict[str, Any] | None:
    groups = _groups(match)
    if "iso" in groups or "month" in groups:
        value = _absolute(groups, published)
        kind = "absolute"
    else:
        value = _relative(groups, published)
        kind = "relative"
    if value is _INVALID:
        return None
    resolved = value is not None and not value.startswith("--")
    return {
        "text": match[0],
        "offset": match.start(),
        "kind": kind,
        "value": value,
        "resolved": resolved,
    }


_INVALID = "invalid"


def _absolute(groups: dict[str, str], published: date | None) -> str | None:
    if "iso" in groups:
        return _iso(int(groups["iy"]), int(groups["im"]), int(groups["id"]))
    month, day = MONTHS[fold(groups["month"])], int(groups["day"])
    if "year" in groups:
        return _iso(int(groups["year"]), month, day)
    if published is None:
        return f"--{month:02d}-{day:02d}" if _iso(2000, month, day) != _INVALID else _INVALID
    return _nearest_year(month, day, published)


def _iso(year: int, month: int, day: int) -> str:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return _INVALID  # "31 février" is a typo or not a date; either way not a mention


def _nearest_year(month: int, day: int, published: date) -> str:
    """The year that puts the date closest to publication (December news about January)."""
    years = (published.year - 1, published.year, published.year + 1)
    candidates = [d for d in (_iso(y, month, day) for y in years) if d != _INVALID]
    if not candidates:
        return _INVALID
    return min(candidates, key=lambda d: abs((date.fromisoformat(d) - published).days))


def _relative(groups: dict[str, str], published: date | None) -> str | None:
    """The day meant, or None (unresolved) without a publication date or when the day
    falls off the calendar ("yesterday" on 0001-01-01 is no date Python can hold)."""
    if published is None:
        return None
    try:
        if "relday" in groups:
            days = DAY_WORDS[fold(groups["relday"])]
            return (published + timedelta(days=days)).isoformat()
        shift = groups.get("shift") or groups.get("after")
        if "period" in groups:
            return _period(PERIODS[fold(groups["period"])], shift or "", published)
        return _weekday(WEEKDAYS[fold(groups["weekday"])], shift, published).isoformat()
    except OverflowError:
        return None


def _weekday(weekday: int, shift: str | None, published: date) -> date:
    """``samedi dernier`` is the last Saturday before publication, a bare ``Saturday`` in a
    news report the most recent one (the same day included), ``next Saturday`` the coming one.
    """
    direction = WEEKDAY_SHIFTS.get(fold(shift), 0) if shift else 0
    if direction > 0:
        return published + timedelta(days=(weekday - published.weekday()) % 7 or 7)
    back = (published.weekday() - weekday) % 7
    return published - timedelta(days=back or (7 if direction < 0 else 0))


def _period(period: str, shift: str, published: date) -> str | None:
    """``next week`` is the ISO week after publication's (``2024-W17``), ``le mois dernier``
    the month before (``2024-03``), ``l'an prochain`` the year after (``2025``)."""
    direction = WEEKDAY_SHIFTS.get(fold(shift), 0)
    if period == "week":
        year, week, _ = (published + timedelta(weeks=direction)).isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        months = published.year * 12 + published.month - 1 + direction
        year, month = divmod(months, 12)
        return f"{year:04d}-{month + 1:02d}" if date.min.year <= year <= date.max.year else None
    year = published.year + direction
    return f"{year:04d}" if date.min.year <= year <= date.max.year else None
