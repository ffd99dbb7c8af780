"""Date mentions normalised to ISO 8601, relative ones resolved against the publication date.

Relative mentions go the way their words point, from the article's own date: ``next
Tuesday`` and ``la semaine prochaine`` after it, ``letzte Woche`` before it. A day resolves
to a date, a week to an ISO week (``2024-W17``), a month to ``YYYY-MM``, a year to ``YYYY``.
Names that contain a date word ("Black Friday", "USA Today") are not dates.

A day without a year is the last one before publication unless it falls within the quarter
after it (news mostly reports what happened; what it announces is near), or unless a future
word comes just before it ("scheduled for Feb. 14", "who will testify Thursday", "votará el
martes") or, when the mention opens its clause, as that clause's verb after it ("On
Thursday the board will vote"; ``pipeline.enrich.date_direction``): then it is the coming
one. A weekday written with the day ("miércoles 18 de mayo") picks the year whose calendar
agrees, and the Brazilian "sábado (23)" is the 23rd. A range's first day takes the year its
last day gives ("21 juin et le 15 novembre 2019").

Without a publication date nothing is guessed: ``hier`` stays unresolved with its text and
``17 avril`` becomes the year-less ISO form ``--04-17``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from worker.pipeline.enrich.calendar_words import (
    AGO_AFTER,
    AGO_BEFORE,
    COUNTS,
    DAY_WORDS,
    LOWER_CASE_ONLY,
    MONTHS,
    NOT_DATES,
    PERIODS,
    SHIFTS_AFTER,
    SHIFTS_BEFORE,
    UNITS,
    WEEKDAYS,
    fold,
)
from worker.pipeline.enrich.date_direction import points_ahead
from worker.pipeline.enrich.date_relative import relative_value
from worker.pipeline.enrich.word_regex import alternation, first_letters

# A dot after the month only when a number follows ("Jan. 5"), not a sentence's full stop.
_M = rf"(?P<month>{alternation(MONTHS)})(?:\.(?=\s*\d))?"
_D = r"(?P<day>[0-3]?\d)(?:er|st|nd|rd|th|º|ª|°|\.)?"
# Spanish and Portuguese join day, month and year with "de": "12 de marzo de 2024".
_Y = r"(?:,?\s+(?:de\s+)?(?P<year>(?:1[89]|20)\d\d))?"
_W = rf"(?P<weekday>{alternation(WEEKDAYS)})"
_SHIFT = rf"(?P<shift>{alternation(SHIFTS_BEFORE)})"
_AFTER = rf"(?P<after>{alternation(SHIFTS_AFTER)})"
_P = rf"(?P<period>{alternation(PERIODS)})"
_DAY_WORDS = alternation(DAY_WORDS).replace("'", "['’]")  # aujourd’hui, typographic or not
# A count is whole: "1,5 года назад" is a year and a half, never five years.
_COUNT = rf"(?<!\d[.,])(?P<count>\d{{1,2}}|{alternation(COUNTS)})\s+(?P<unit>{alternation(UNITS)})"
_PATTERNS = [
    r"(?P<iso>(?P<iy>(?:1[89]|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d))",
    rf"{_D}\s+(?:de\s+)?{_M}{_Y}",
    rf"{_M}\s+{_D}{_Y}",
    rf"(?P<relday>{_DAY_WORDS})",
    rf"(?:{alternation(AGO_BEFORE)})\s+{_COUNT}",
    rf"{_COUNT}\s+(?:{alternation(AGO_AFTER)})",
    rf"{_SHIFT}\s+{_W}",
    rf"{_SHIFT}\s+{_P}",
    rf"{_P}\s+{_AFTER}",
    # The Brazilian day in brackets ("sábado (23)") shares the one weekday alternative: each
    # alternative is tried at every word, so the regex keeps to one per form.
    rf"{_W}(?:\s*\((?P<pday>[0-3]?\d)\)|\s+{_AFTER})?",
]
# Between a weekday and the day it names ("Wednesday, Nov. 20", "mercoledì 19 febbraio").
_DAY_AFTER_WEEKDAY = re.compile(r",?\s+")
# One pass over the text: the forms are alternatives of one regex, longest forms first so
# "samedi dernier" wins over "samedi". Python forbids a group name twice in a pattern, so
# each form's groups get a numeric suffix that _groups() strips again.
DATE_FORMS = "|".join(re.sub(r"\(\?P<(\w+)>", rf"(?P<\1_{n}>", p) for n, p in enumerate(_PATTERNS))
# Every form starts with a digit or one of these words: the lookahead on their first letters
# spares the forms' alternations at most word starts and lets every possible start through.
# A count in words starts a mention only when a unit follows ("two days ago"): its words are
# short and common ("a", "un", "on"), so their first letters would let most words through.
_COUNTED = rf"[^\W\d_]+\s+(?:{first_letters(UNITS, fold)})"
DATE_STARTS = (
    r"\d|"
    + first_letters([*MONTHS, *WEEKDAYS, *DAY_WORDS, *SHIFTS_BEFORE, *PERIODS, *AGO_BEFORE], fold)
    + f"|{_COUNTED}"
)
DATE_RE = re.compile(rf"(?<![\w-])(?={DATE_STARTS})(?:{DATE_FORMS})(?![\w-])", re.IGNORECASE)
_NAMES = [w for words in NOT_DATES.values() for w in words]
NAME_FORMS, NAME_STARTS = alternation(_NAMES), first_letters(_NAMES, fold)
NOT_DATES_RE = re.compile(rf"(?<![\w-])(?={NAME_STARTS})(?:{NAME_FORMS})(?![\w-])", re.IGNORECASE)


_AHEAD = timedelta(days=92)  # a year-less day up to a quarter ahead is an announced one
# Between a range's first day and its last ("21 juin et le 15 novembre 2019", "June 3 to
# July 4, 2019"): a dash or one short connecting word and an article, no digits.
_RANGE_GAP = re.compile(r"\s*(?:[-–—/]|[^\W\d_]{1,8}(?:\s+[^\W\d_]{1,3})?)\s*")


def find_dates(
    text: str, published: date | None, language: str | None = None
) -> list[dict[str, Any]]:
    """Every date mention in ``text`` as ``{text, offset, kind, value, resolved}``."""
    names = [m.span() for m in NOT_DATES_RE.finditer(text)]
    matches = [m for m in DATE_RE.finditer(text) if not _is_name(m, names) and not _is_noun(m[0])]
    found: list[dict[str, Any]] = []
    for n, match in enumerate(matches):
        if n + 1 < len(matches) and _names_the_day_of(match, matches[n + 1]):
            continue  # read with the day it names, as one mention
        weekday = matches[n - 1] if n and _names_the_day_of(matches[n - 1], match) else None
        start = (weekday or match).start()
        bare = weekday is None and _weekday_alone(match)
        ahead = points_ahead(text, start, match.end(), language, bare)
        mention = _mention(match, published, ahead, weekday)
        if mention is None:
            continue
        following = matches[n + 1] if n + 1 < len(matches) else None
        if following is not None and published is not None:
            _take_the_range_year(mention, match, following)
        if n and found and _in_the_week_before(matches[n - 1], match):
            _put_in_week(mention, found[-1])
        found.append(mention)
    return found


# Between a week and a weekday it narrows down: "volgende week dinsdag", "nächste Woche am
# Dienstag", "next week on Tuesday".
_WEEK_GAP = re.compile(r"[ \t]*(?:,[ \t]*)?(?:(?:am|on|op|le|el|il|o|na|no)[ \t]+)?")


def _in_the_week_before(previous: re.Match[str], match: re.Match[str]) -> bool:
    before = _groups(previous)
    week = PERIODS.get(fold(before.get("period", ""))) == "week" and "unit" not in before
    gap = _WEEK_GAP.fullmatch(match.string, previous.end(), match.start())
    return week and _weekday_alone(match) and bool(gap)


def _weekday_alone(match: re.Match[str]) -> bool:
    """ "Tuesday", not "next Tuesday" nor "Tuesday 5 March"."""
    return set(_groups(match)) == {"weekday"}


def _put_in_week(mention: dict[str, Any], week: dict[str, Any]) -> None:
    """The weekday of the week just named: "volgende week dinsdag" is next week's Tuesday."""
    value = week.get("value")
    if not (week.get("resolved") and isinstance(value, str) and "-W" in value):
        return
    day = date.fromisoformat(str(mention["value"])) if mention.get("resolved") else None
    if day is None:
        return
    year, number = value.split("-W")
    mention["value"] = date.fromisocalendar(int(year), int(number), day.isoweekday()).isoformat()


def _is_name(match: re.Match[str], names: list[tuple[int, int]]) -> bool:
    """Inside "Black Friday" or "USA Today": a name, not a day."""
    return any(start < match.end() and match.start() < end for start, end in names)


def _is_noun(text: str) -> bool:
    return text.lower() in LOWER_CASE_ONLY and not text.islower()


def _groups(match: re.Match[str]) -> dict[str, str]:
    return {k.rsplit("_", 1)[0]: v for k, v in match.groupdict().items() if v is not None}


def _names_the_day_of(weekday: re.Match[str], day: re.Match[str]) -> bool:
    """A weekday (with its shift word: "el próximo miércoles") right before a day and month:
    the weekday belongs to that date."""
    before, after = _groups(weekday), _groups(day)
    bare = "weekday" in before and "pday" not in before and "after" not in before
    gap = _DAY_AFTER_WEEKDAY.fullmatch(day.string, weekday.end(), day.start())
    return bare and "month" in after and gap is not None


def _mention(
    match: re.Match[str], published: date | None, ahead: bool, weekday: re.Match[str] | None
) -> dict[str, Any] | None:
    groups = _groups(match)
    if weekday is not None:
        groups["weekday"] = _groups(weekday)["weekday"]
    start = (weekday or match).start()
    if "iso" in groups or "month" in groups:
        value = _absolute(groups, published, ahead)
        kind = "absolute"
    elif "pday" in groups:
        value = _day_of_month(groups, published)
        kind = "relative"
    else:
        value = relative_value(groups, published, ahead)
        kind = "relative"
    if value is _INVALID:
        return None
    resolved = value is not None and not value.startswith("--")
    return {
        "text": match.string[start : match.end()],
        "offset": start,
        "kind": kind,
        "value": value,
        "resolved": resolved,
    }


def _take_the_range_year(mention: dict[str, Any], match: re.Match[str], end: re.Match[str]) -> None:
    """A year-less first day of a range takes the year of its last day, or the year before
    when it falls later in the calendar ("December 28 to January 3, 2025")."""
    first, last = _groups(match), _groups(end)
    if "month" not in first or "year" in first or "year" not in last or "month" not in last:
        return
    if not _RANGE_GAP.fullmatch(match.string, match.end(), end.start()):
        return
    month, day = MONTHS[fold(first["month"])], int(first["day"])
    year = int(last["year"])
    if (month, day) > (MONTHS[fold(last["month"])], int(last["day"])):
        year -= 1
    value = _iso(year, month, day)
    if value != _INVALID:
        mention["value"] = value


_INVALID = "invalid"


def _absolute(groups: dict[str, str], published: date | None, ahead: bool) -> str | None:
    if "iso" in groups:
        return _iso(int(groups["iy"]), int(groups["im"]), int(groups["id"]))
    month, day = MONTHS[fold(groups["month"])], int(groups["day"])
    if "year" in groups:
        return _iso(int(groups["year"]), month, day)
    if published is None:
        return f"--{month:02d}-{day:02d}" if _iso(2000, month, day) != _INVALID else _INVALID
    weekday = WEEKDAYS[fold(groups["weekday"])] if "weekday" in groups else None
    return _year_less(month, day, published, weekday, ahead)


def _iso(year: int, month: int, day: int) -> str:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return _INVALID  # "31 février" is a typo or not a date; either way not a mention


def _year_less(month: int, day: int, published: date, weekday: int | None, ahead: bool) -> str:
    """The year of a day written without one: among the years around publication those
    whose calendar puts the written weekday on that day, if any; then the coming day when
    the words look ahead, else the last one before publication or within the quarter after
    (December news about January)."""
    years = (published.year - 1, published.year, published.year + 1)
    days = [date.fromisoformat(d) for d in (_iso(y, month, day) for y in years) if d != _INVALID]
    if not days:
        return _INVALID
    days = [d for d in days if d.weekday() == weekday] or days
    if ahead:
        coming = [d for d in days if d >= published]
        return (coming[0] if coming else days[-1]).isoformat()
    latest = published + _AHEAD if published <= date.max - _AHEAD else date.max
    before = [d for d in days if d <= latest]
    return (before[-1] if before else days[0]).isoformat()


def _day_of_month(groups: dict[str, str], published: date | None) -> str | None:
    """``sábado (23)``: the 23rd nearest to publication in the months around it, one that
    is a Saturday if the calendar has one."""
    if published is None:
        return None
    weekday, day = WEEKDAYS[fold(groups["weekday"])], int(groups["pday"])
    months = (published.year * 12 + published.month - 1 + k for k in (-1, 0, 1))
    days = [d for d in (_iso(m // 12, m % 12 + 1, day) for m in months) if d != _INVALID]
    if not days:
        return _INVALID
    near = sorted(days, key=lambda d: abs((date.fromisoformat(d) - published).days))
    return next((d for d in near if date.fromisoformat(d).weekday() == weekday), near[0])
