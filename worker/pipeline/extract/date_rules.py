"""General rules that keep a page's own date apart from the dates around it.

- A loosely written date is read only when it names a day: dateutil fills a missing day
  or month from today, so "1988" or "2017/01" would become a made-up day.
- Numeric dates written day before month with the year last ("10.12.2022", "01-11-2023")
  are read day first, as the countries that write them that way do.
- A ``<time>`` in a block of related or popular articles dates another page, and one in
  a comment dates a reader's comment, not this page.
- A page that declares no date in its markup often shows one, in an element named for it
  ("post-date", "article-header__meta"): that day is read before guessing from the
  whole page (htmldate), with a few patterns, not a parser run over every text node.
  Failing that, a day written right after a word that says "published" in the page's
  text ("Veröffentlicht am 16.08.2019", "Erschienen am: 01.11.2023").
- A timestamp given in UTC is shown at the page's own offset when the page writes another
  of its times in local time (best the same instant; else, say, its modification time):
  the instant is kept, on the calendar day the page's readers saw. The day the page shows
  for that instant, in the text of its ``<time>``, has the last word.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta, timezone

from dateutil import parser as dateparser
from lxml.html import HtmlElement

# Day, month, year, with the year last and "." or "-" between: a day-first country's way.
DAY_FIRST_RE = re.compile(r"^\D{0,12}\d{1,2}[.-]\d{1,2}[.-]\d{4}\b")
# Two defaults that differ in every field: a field that the text gave is the same in both.
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))

# Blocks that list other pages, or readers' comments, by a class or id that starts so
# (after a short prefix such as "c-" or "jp-"): "related-posts", "jp-relatedposts".
LISTING_RE = re.compile(
    r"^(?:[a-z]{1,3}[-_])?(related|recommend|popular|trending|more-?(stories|articles|news|posts)"
    r"|read-?(next|also)|comment)",
    re.IGNORECASE,
)
PAGE_TAGS = {"body", "html"}  # their classes name the kind of page, not a block of it
MAX_TIME_ELEMENTS = 40  # a page's own date comes early; a long archive list is not read

# Offsets a local time can have (UTC-12 to UTC+14), in quarter hours.
MAX_OFFSET = timedelta(hours=14)
QUARTER = timedelta(minutes=15)


def loose_parse(text: str, tzinfos: dict[str, timezone]) -> datetime | None:
    """``text`` read by dateutil, or None when it names no day (see the module doc)."""
    dayfirst = DAY_FIRST_RE.match(text) is not None
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for default in _DEFAULTS:
            try:
                found.append(
                    dateparser.parse(text, default=default, dayfirst=dayfirst, tzinfos=tzinfos)
                )
            except (ValueError, OverflowError, TypeError):
                return None
    first, second = found
    if (first.year, first.month, first.day) != (second.year, second.month, second.day):
        return None
    return first


def in_listing(el: HtmlElement) -> bool:
    """Whether ``el`` sits in a block that lists other pages or readers' comments."""
    for ancestor in el.iterancestors():
        if ancestor.tag in PAGE_TAGS:
            return False
        names = f"{ancestor.get('class', '')} {ancestor.get('id', '')}".split()
        if any(LISTING_RE.match(name) for name in names):
            return True
    return False


def page_time_elements(tree: HtmlElement) -> Iterator[HtmlElement]:
    """The page's ``<time datetime>`` elements that may date the page itself, in order."""
    for index, el in enumerate(tree.iterfind(".//time[@datetime]")):
        if index >= MAX_TIME_ELEMENTS:
            return
        if not in_listing(el):
            yield el


def _local_offset(utc: datetime, other: datetime) -> timedelta | None:
    """The offset at which ``other`` writes the instant ``utc`` as local time, if it does."""
    if other.tzinfo is not None:
        offset = other.utcoffset()
        same = offset is not None and other == utc
        return offset if same and offset else None
    # A naive local time: the same minutes and seconds, a whole zone away.
    delta = other - utc.replace(tzinfo=None)
    if not delta or abs(delta) > MAX_OFFSET or delta % QUARTER:
        return None
    if (other.minute, other.second) == (0, 0):  # on the hour: too likely a coincidence
        return None
    return delta


def local_time(value: datetime, others: Iterable[datetime]) -> datetime:
    """``value`` at the page's own offset when it is in UTC and another date on the page
    (``others``) is written in local time; otherwise ``value`` unchanged. One that writes
    the same instant tells the offset best."""
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        return value
    others = list(others)
    offsets = [_local_offset(value, other) for other in others]
    # Else any offset the page writes its times in (its modification time, say).
    offsets += [other.utcoffset() for other in others if other.tzinfo is not None]
    offset = next((offset for offset in offsets if offset), None)
    try:
        return value.astimezone(timezone(offset)) if offset else value
    except (OverflowError, ValueError):  # at the ends of the calendar
        return value


# Month names (and their first three letters) of the languages most pages here are in.
_MONTH_NAMES = (
    "january february march april may june july august september october november december",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
)
MONTHS: dict[str, int] = {}
for _names in _MONTH_NAMES:
    for _number, _name in enumerate(_names.split(), start=1):
        MONTHS.setdefault(_name, _number)
        MONTHS.setdefault(_name[:3], _number)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# Each pattern with the order of its year, month and day groups.
SHOWN_DATE_PATTERNS = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
    (re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b"), "dmy"),
    (
        re.compile(rf"\b(\d{{1,2}})\.?\s+(?:de\s+)?({_MONTH})\.?,?\s+(?:de\s+)?(\d{{4}})\b", re.I),
        "dmy",
    ),
    (re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I), "mdy"),
)
# An element named for a date or the article's byline line, by class, id or itemprop.
DATE_NAME_RE = re.compile(r"date|datum|publish|posted|created|fecha|meta", re.IGNORECASE)
MAX_DATE_ELEMENTS = 30
CLOCK_RE = re.compile(
    r"\b(?P<hour>\d{1,2}):(?P<minute>\d{2})(?!\d)\s*(?P<half>[ap]\.?\s?m\b\.?)?", re.IGNORECASE
)
MAX_SHOWN_CHARS = 100
MIN_SHOWN_YEAR = 1990


def _field(text: str) -> int:
    return int(text) if text.isdigit() else MONTHS[text.lower()]


def _shown_day(text: str) -> date | None:
    for pattern, order in SHOWN_DATE_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        parts = dict(zip(order, match.groups(), strict=True))
        try:
            day = date(_field(parts["y"]), _field(parts["m"]), _field(parts["d"]))
        except (ValueError, KeyError):
            continue
        if day.year >= MIN_SHOWN_YEAR:
            return day
    return None


# A numeric date with slashes: day first or month first, as the country writes it.
SLASH_DATE_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def _short_text(el: HtmlElement) -> str | None:
    """``el``'s text on one line, or None when it is too long to be a date's."""
    text = " ".join(el.text_content().split())
    return text if len(text) <= MAX_SHOWN_CHARS else None


def shown_days(el: HtmlElement) -> set[date]:
    """The days that ``el`` may show as text, if it is short: the one it names, or both
    readings of a slash date ("10/05/2022": 10 May or 5 October)."""
    text = _short_text(el)
    if text is None:
        return set()
    day = _shown_day(text)
    if day is not None:
        return {day}
    found: set[date] = set()
    for match in SLASH_DATE_RE.finditer(text):
        first, second, year = (int(g) for g in match.groups())
        for d, m in ((first, second), (second, first)):
            try:
                found.add(date(year, m, d))
            except ValueError:
                continue
    return found


def shown_clock(el: HtmlElement, instant: datetime) -> datetime | None:
    """The local wall-clock time that ``el`` shows as text ("Nov 18, 2019 11:03 PM"),
    naive, with the seconds of ``instant`` (texts rarely show them), if it shows one."""
    text = _short_text(el)
    day = _shown_day(text) if text is not None else None
    clock = CLOCK_RE.search(text) if text is not None and day else None
    if day is None or clock is None:
        return None
    hour, minute = int(clock["hour"]), int(clock["minute"])
    half = (clock["half"] or "").replace(".", "").replace(" ", "").lower()
    if half and not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if half == "pm" else 0) if half else hour
    try:
        return datetime(day.year, day.month, day.day, hour, minute, instant.second)
    except ValueError:
        return None


def shown_date(tree: HtmlElement) -> datetime | None:
    """The first day shown in a short element named for a date (see the module doc)."""
    seen = 0
    for el in tree.iter():
        names = (el.get("class"), el.get("id"), el.get("itemprop"))
        if el.tag != "time" and not any(DATE_NAME_RE.search(name) for name in names if name):
            continue
        seen += 1
        if seen > MAX_DATE_ELEMENTS:
            return None
        text = " ".join(el.text_content().split())
        if not text or len(text) > MAX_SHOWN_CHARS or in_listing(el):
            continue
        day = _shown_day(text)
        if day is not None:
            return datetime(day.year, day.month, day.day)
    return None


# Words that say "published" (en, de, fr, es, pt, it), matched in the lowercased text.
PUBLISHED_LABEL_RE = re.compile(
    r"ver[öo]ffentlicht|publi(?:shed|é|cado|cato|ziert)|pubblicato|erschienen|posted|datum"
)
LABEL_REACH = 50  # characters after the word in which its date must start and end


def labelled_date(tree: HtmlElement) -> datetime | None:
    """The first day written right after a word that says "published" in the page's text
    (one regex over the lowercased text, no parser)."""
    text = tree.text_content().lower()
    for match in PUBLISHED_LABEL_RE.finditer(text):
        day = _shown_day(" ".join(text[match.end() : match.end() + LABEL_REACH].split()))
        if day is not None:
            return datetime(day.year, day.month, day.day)
    return None
