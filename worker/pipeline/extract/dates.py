"""Publication date with time and offset, from the most explicit source the page offers.

Order of trust: JSON-LD ``datePublished``, the publication meta tags, the page's first
``<time datetime>`` outside lists of other pages and comments, a bare ``date`` meta tag,
JSON-LD ``dateCreated``; a page with none of them gets the day it shows in an element
named for a date, else the day written after a word for "published", else htmldate's
guess. The rules behind these steps are in ``date_rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from htmldate import find_date
from lxml.html import HtmlElement

from worker.pipeline.extract.date_rules import (
    SLASH_DATE_RE,
    labelled_date,
    local_time,
    loose_parse,
    page_time_elements,
    shown_clock,
    shown_date,
    shown_days,
)
from worker.pipeline.extract.metadata import PageMeta
from worker.pipeline.extract.zones import at_address_day, page_zone
from worker.pipeline.normalise import implausible

# Meta tags that carry the publication time, most specific first.
META_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "publishdate",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dc.date",
)
# A bare "date" names no event: often the page's last change, so a <time> outranks it.
GENERIC_META_KEYS = ("date",)

# Meta tags with the page's modification time: not its date, but written in its offset.
MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "datemodified")

# Zone abbreviations dateutil cannot resolve alone; ambiguous ones (IST, CST) take the
# reading most common on English-language news pages.
TZINFOS = {
    name: timezone(timedelta(hours=hours))
    for name, hours in {
        "UTC": 0,
        "GMT": 0,
        "EST": -5,
        "EDT": -4,
        "CST": -6,
        "CDT": -5,
        "MST": -7,
        "MDT": -6,
        "PST": -8,
        "PDT": -7,
        "CET": 1,
        "CEST": 2,
        "BST": 1,
        "JST": 9,
        "KST": 9,
        "IST": 5.5,
    }.items()
}


@dataclass(frozen=True)
class Dated:
    value: datetime
    source: str


def parse_date(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        pass
    return loose_parse(raw.strip(), TZINFOS)


def _precision(value: datetime) -> int:
    has_time = (value.hour, value.minute, value.second) != (0, 0, 0)
    return int(has_time) + int(value.tzinfo is not None)


def _plausible(value: datetime, fetched_at: datetime | None) -> bool:
    return implausible(value, fetched_at) is None


def _modified(meta: PageMeta) -> list[datetime]:
    found = [parse_date(meta.meta.get(key)) for key in MODIFIED_KEYS]
    found.append(parse_date(meta.jsonld.get("dateModified")))
    return [d for d in found if d]


def _published(raw: object, modified: list[datetime]) -> datetime | None:
    """``raw`` read as a date; a slash date that reads both ways (month first, as dateutil
    reads it, or day first) takes the reading the page's modified date allows: not after
    it, and the nearer to it ("10/05/2022" modified "2022/05/10" is 10 May)."""
    value = parse_date(raw)
    # Day and month both under 13 with slashes: "10/05/2022" is 5 October or 10 May.
    match = SLASH_DATE_RE.match(raw.lstrip()) if isinstance(raw, str) and value else None
    if value is None or match is None or not modified or match[1] == match[2]:
        return value
    if max(int(match[1]), int(match[2])) > 12:
        return value
    swapped = value.replace(month=value.day, day=value.month)
    latest = max(d.date() for d in modified)

    def rank(d: datetime) -> tuple[bool, int]:
        return d.date() > latest, abs((latest - d.date()).days)

    return min((value, swapped), key=rank)


def declared_dates(tree: HtmlElement, meta: PageMeta) -> list[Dated]:
    """Every explicit publication date, in order of trust."""
    modified = _modified(meta)
    published = _published(meta.jsonld.get("datePublished"), modified)
    found = [Dated(published, "jsonld")] if published else []
    for key in META_KEYS:
        value = _published(meta.meta.get(key), modified)
        if value:
            found.append(Dated(value, f"meta:{key}"))
    for el in page_time_elements(tree):
        value = parse_date(el.get("datetime"))
        if value:
            found.append(Dated(value, "time"))
            break
    for key in GENERIC_META_KEYS:
        value = parse_date(meta.meta.get(key))
        if value:
            found.append(Dated(value, f"meta:{key}"))
    # When JSON-LD has no datePublished, its dateCreated still dates the article.
    found.extend(
        Dated(d, "jsonld:dateCreated") for d in [parse_date(meta.jsonld.get("dateCreated"))] if d
    )
    return found


def _on_local_day(
    best: Dated, tree: HtmlElement, meta: PageMeta, declared: list[Dated], url: str | None
) -> Dated:
    """``best`` at the page's own offset when it is in UTC (see ``date_rules.local_time``);
    when no time on the page is written in local time, in the zone of the page's likely
    readers (``zones.page_zone``). Not a bare midnight: "2019-06-17T00:00:00Z" is how many
    sites write a day without its time, and west of Greenwich it would become the day before.
    The day a ``<time>`` of that instant shows in its text is the day its readers saw: a
    shift that leaves it ("2019-12-26T23:07:45+00:00" shown as "26/12/2019", read in Zurich
    as the 27th) is undone."""
    if best.value.utcoffset() != timedelta(0):
        return best
    times: list[datetime | None] = []
    days: set[date] = set()
    for el in page_time_elements(tree):
        value = parse_date(el.get("datetime"))
        same = value == best.value
        times += [value, shown_clock(el, best.value) if same else None]
        days |= shown_days(el) if same else set()
    others = [d.value for d in declared] + [v for v in times if v] + _modified(meta)
    local = local_time(best.value, others)
    if local.utcoffset() == timedelta(0) and _precision(local) == 2:
        address = url or meta.canonical_url or meta.meta.get("og:url")
        zone = page_zone(address, meta.html_lang, meta.lang_region)
        local = local.astimezone(zone) if zone else at_address_day(local, address)
    if local.date() not in days and best.value.date() in days:
        return best
    return Dated(local, best.source)


def _fallback(tree: HtmlElement, fetched_at: datetime | None) -> Dated | None:
    try:
        raw = find_date(tree, original_date=True, max_date=fetched_at, outputformat="%Y-%m-%d")
    except Exception:  # a last-resort guess: its failure must not cost the page its body
        return None
    value = parse_date(raw)
    return Dated(value, "htmldate") if value else None


def pick_date(
    tree: HtmlElement, meta: PageMeta, fetched_at: datetime | None, url: str | None = None
) -> Dated | None:
    """The most trusted plausible date (see ``normalise.implausible``); when it gives only
    the day, a later source with a time and offset for (about) that day refines it. A
    UTC timestamp is then shown at the page's own offset when the page writes one.

    A page that declares only implausible dates ("0001-01-01" from a CMS default) and has
    no other date gets its most trusted one back, so that the article stage drops it with
    a note saying what the page claimed (``meta["dropped_date"]``) instead of silently.
    """
    declared = declared_dates(tree, meta)
    valid = [d for d in declared if _plausible(d.value, fetched_at)]
    if not valid:
        for read, source in ((shown_date, "shown"), (labelled_date, "labelled")):
            shown = read(tree)
            if shown and _plausible(shown, fetched_at):
                return Dated(shown, source)
        found = _fallback(tree, fetched_at)
        if found and _plausible(found.value, fetched_at):
            return found
        return declared[0] if declared else found
    best = valid[0]
    for other in valid[1:]:
        # A day-only value one day off a timestamp is usually the same instant seen in
        # another time zone, so the timestamp refines it rather than contradicting it.
        near = abs((other.value.date() - best.value.date()).days) <= 1
        if near and _precision(best.value) == 0 and _precision(other.value) > 0:
            best = other
    return _on_local_day(best, tree, meta, declared, url)
