"""Property tests: whatever the input, a stage returns or raises ``PermanentError`` with a
reason code; enrichment never raises. Nothing else may leave a stage, or a valid article
ends in quarantine (as ``OverflowError: date value out of range`` did for year 1 pages).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worker.core.errors import PermanentError, Reason
from worker.core.models import Article, Kind, RawItem
from worker.pipeline.articles import KNOWN_FIELDS, parse_item
from worker.pipeline.enrich import EnrichInput, enrich_batch
from worker.pipeline.enrich.calendar_words import (
    DAY_WORDS,
    MONTHS,
    NOT_DATES,
    PERIODS,
    SHIFTS_AFTER,
    SHIFTS_BEFORE,
    WEEKDAYS,
)
from worker.pipeline.enrich.dates import (
    DATE_FORMS,
    DATE_RE,
    NAME_FORMS,
    NOT_DATES_RE,
    find_dates,
)
from worker.pipeline.enrich.quote_patterns import (
    ANY_VERB,
    ANY_VERB_OR_PARTICIPLE,
    VERB_FORMS,
    VERB_OR_PARTICIPLE_FORMS,
)
from worker.pipeline.enrich.speech_verbs import all_verbs
from worker.pipeline.enrich.speech_words import all_participles
from worker.pipeline.extract import extract_html
from worker.pipeline.normalise import parse_datetime, settle_published

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PAGES = Path(__file__).parent / "pages"
REASONS = {str(r) for r in Reason}

# No example database: nothing is written into the source tree, and every run is the same
# size (the file stays well under 30 s).
FAST = settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
SLOW = settings(FAST, max_examples=60)  # HTML extraction: tens of milliseconds an example


def assert_permanent_or(call: Any) -> Any:
    """``call()``'s value, or None when it raised ``PermanentError`` with a known reason."""
    try:
        return call()
    except PermanentError as exc:
        assert exc.reason in REASONS, exc.reason
        assert exc.message
        return None


# --- strategies ------------------------------------------------------------------------------

# The first and last week of the calendar, where "yesterday" or "next Saturday" fall off it:
# drawn often on purpose, a uniform draw would almost never land there.
calendar_ends = st.sampled_from(
    [date(1, 1, d) for d in range(1, 8)] + [date(9999, 12, d) for d in range(25, 32)]
)
offsets = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59, seconds=-59),
    max_value=timedelta(hours=23, minutes=59, seconds=59),
).map(timezone)
naive_datetimes = calendar_ends.map(lambda d: datetime(d.year, d.month, d.day)) | st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
)
any_datetimes = naive_datetimes.flatmap(
    lambda d: st.sampled_from([d]) | offsets.map(lambda tz: d.replace(tzinfo=tz))
)
any_dates = calendar_ends | st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
iso_like = st.from_regex(
    r"\A\d{4}-[01]\d-[0-3]\d([T ][0-2]\d:[0-5]\d(:[0-5]\d(\.\d{1,6})?)?"
    r"(Z|[+-][0-2]\d:[0-5]\d(:[0-5]\d(\.\d{1,6})?)?)?)?\Z"
)
rfc_like = st.builds(
    "{}, {} {} {} {:02d}:{:02d}:{:02d} {}".format,
    st.sampled_from(["Mon", "Sat", "Xyz"]),
    st.integers(0, 40),
    st.sampled_from(["Jan", "Feb", "Dec", "Foo"]),
    st.integers(0, 99999),
    st.integers(0, 30),
    st.integers(0, 70),
    st.integers(0, 70),
    st.sampled_from(["+0000", "-0500", "+2359", "-9999", "GMT", "XYZ", ""]),
)
date_strings = (
    st.text(max_size=40)
    | iso_like
    | rfc_like
    | any_datetimes.map(datetime.isoformat)
    | any_dates.map(date.isoformat)
)
json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
field_values: dict[str, st.SearchStrategy[Any]] = {
    "published_at": date_strings | json_values,
    "authors": st.text(max_size=60) | st.lists(st.text(max_size=40), max_size=4) | json_values,
    "html": st.sampled_from(["<p>x</p>", "<html><body><article><p>A line of text.</p>"])
    | json_values,
}
records = st.dictionaries(
    st.sampled_from(sorted(KNOWN_FIELDS)) | st.text(max_size=8),
    json_values,
    max_size=8,
).flatmap(
    lambda base: st.fixed_dictionaries(
        {key: strategy for key, strategy in field_values.items() if key in base}
    ).map(lambda special: {**base, **special})
)

# Text built of the words the date stage reads, so that most examples hold mentions.
date_words = sorted(DAY_WORDS) + sorted(MONTHS) + sorted(WEEKDAYS)
date_words += ["dernier", "last", "next", "prochain", "1er", "17", "31", "2024-02-29", "2099"]
date_texts = st.lists(
    st.sampled_from(date_words) | st.text(max_size=6), min_size=0, max_size=25
).map(" ".join)


# --- record parsing ---------------------------------------------------------------------------


@FAST
@given(record=records | json_values)
def test_parse_record_returns_or_rejects(record: Any) -> None:
    item = RawItem(item_key="k", source="s", kind=Kind.RECORD, payload={"record": record})
    article = assert_permanent_or(lambda: parse_item(item, NOW))
    if article is not None:
        assert isinstance(article, Article)
        json.dumps(article.model_dump(mode="json"))  # storable as it is
        assert all(isinstance(a, str) and a for a in article.authors)


@FAST
@given(kind=st.sampled_from(list(Kind)), payload=st.dictionaries(st.text(max_size=8), json_values))
def test_parse_any_kind_returns_or_rejects(kind: Kind, payload: dict[str, Any]) -> None:
    item = RawItem(item_key="k", source="s", kind=kind, payload=payload)
    try:
        parse_item(item, NOW)
    except PermanentError as exc:
        # An invalid item carries the reader's own reason code, whatever it is.
        assert exc.reason in REASONS or kind is Kind.INVALID


# --- dates ------------------------------------------------------------------------------------


@FAST
@given(value=date_strings)
def test_parse_datetime_returns_or_rejects(value: str) -> None:
    parsed = assert_permanent_or(lambda: parse_datetime(value))
    if parsed is not None:
        assert isinstance(parsed, (date, datetime))
        kept, dropped = settle_published(parsed, NOW)
        assert (kept is None) != (dropped is None)
        if kept is not None:
            assert kept.year >= 1900
            offset = kept.utcoffset() if isinstance(kept, datetime) else None
            assert offset is None or offset % timedelta(minutes=1) == timedelta(0)
            kept.isoformat()


@FAST
@given(value=any_datetimes | any_dates, now=any_datetimes)
def test_settle_published_never_raises(value: date, now: datetime) -> None:
    kept, dropped = settle_published(value, now)
    assert kept is None or kept.year >= 1900
    assert dropped is None or set(dropped) == {"value", "why"}


@FAST
@given(text=date_texts, published=st.none() | any_dates)
def test_find_dates_never_raises(text: str, published: date | None) -> None:
    for mention in find_dates(text, published):
        assert text.startswith(mention["text"], mention["offset"])
        value = mention["value"]
        assert value is None or isinstance(value, str)
        assert mention["resolved"] == (value is not None and not value.startswith("--"))
        if mention["resolved"]:
            date.fromisoformat(value)


@FAST
@given(
    title=st.text(max_size=20),
    body=date_texts | st.text(max_size=200),
    language=st.sampled_from([None, "fr", "en", "de", "xx-YY", ""]),
    published=st.none() | any_datetimes,
)
def test_enrichment_never_raises(
    title: str, body: str, language: str | None, published: datetime | None
) -> None:
    (result,) = enrich_batch([EnrichInput(title, body, language, published)], {})
    json.dumps(result)


# --- HTML -------------------------------------------------------------------------------------

TAGS = ["html", "head", "body", "article", "div", "p", "script", "meta", "time", "h1", "title"]
tag_soup = st.lists(
    st.sampled_from([f"<{t}>" for t in TAGS] + [f"</{t}>" for t in TAGS])
    | st.sampled_from(
        [
            '<meta property="article:published_time" content="0001-01-01T00:00:00Z">',
            '<meta name="author" content="By TOM KRISHER, AP Auto Writer">',
            '<time datetime="9999-12-31T23:59:59-05:00">',
            '<script type="application/ld+json">{"datePublished": "0001-01-01",',
            "<!--",
            "<![CDATA[",
            "&#0;",
            "&bogus;",
        ]
    )
    | st.text(max_size=40),
    max_size=40,
).map("".join)


@st.composite
def garbled_pages(draw: st.DrawFn) -> str:
    """A real page with a slice cut out and garbage put in."""
    page = (
        PAGES / draw(st.sampled_from(["news_en.html", "news_ar.html", "news_ja.html"]))
    ).read_text()
    start = draw(st.integers(0, len(page)))
    end = draw(st.integers(start, min(len(page), start + 400)))
    return page[:start] + draw(tag_soup) + page[end:]


@SLOW
@given(html=st.text(max_size=200) | tag_soup | garbled_pages(), fetched=st.none() | any_datetimes)
def test_extract_html_returns_or_rejects(html: str, fetched: datetime | None) -> None:
    result = assert_permanent_or(lambda: extract_html(html, fetched_at=fetched))
    if result is not None:
        assert result.body.strip()


@SLOW
@given(html=tag_soup | garbled_pages())
def test_html_items_never_carry_an_implausible_date(html: str) -> None:
    item = RawItem(item_key="k", source="s", kind=Kind.HTML, payload={"html": html})
    article = assert_permanent_or(lambda: parse_item(item, NOW))
    if article is not None and article.published_at is not None:
        assert article.published_at.year >= 1900
        assert settle_published(article.published_at, NOW)[1] is None


def test_year_one_page_with_relative_dates_is_stored_and_enriched() -> None:
    # The benchmark's failure, end to end over the pure stages: jsonld says 0001-01-01 and
    # the body says "yesterday".
    html = (PAGES / "news_en.html").read_text().replace('"2024-03-04"', '"0001-01-01T00:00:00Z"')
    html = html.replace("<p>", "<p>Yesterday and tomorrow, on Saturday. ", 1)
    item = RawItem(item_key="k", source="s", kind=Kind.HTML, payload={"html": html})
    article = parse_item(item, NOW)
    assert article.published_at is not None and article.published_at.year == 2024
    published = datetime(1, 1, 1, tzinfo=UTC)  # what used to reach enrichment
    (result,) = enrich_batch([EnrichInput(article.title, article.body, "en", published)], {})
    assert any(d["text"] == "Yesterday" and d["value"] is None for d in result["dates"])


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --- the first-letters lookahead changes no match ----------------------------------------------

_calendar_words = sorted(
    {*DAY_WORDS, *MONTHS, *WEEKDAYS, *SHIFTS_BEFORE, *SHIFTS_AFTER, *PERIODS}
    | {name for names in NOT_DATES.values() for name in names}
)
_casings = st.sampled_from([str.lower, str.upper, str.title, lambda w: w.replace("'", "’")])
_pieces = (
    st.tuples(st.sampled_from(_calendar_words), _casings).map(lambda p: p[1](p[0]))
    | st.sampled_from(["12", "1er", "(23)", "2024", "2024-03-15", "ı", "İ", "-", "’"])
    | st.text(max_size=4)
)
_separators = st.sampled_from([" ", ", ", "-", "(", ") ", ". ", "\n", ""])
calendar_texts = st.lists(st.tuples(_pieces, _separators), max_size=30).map(
    lambda parts: "".join(piece + sep for piece, sep in parts)
)


@FAST
@given(text=calendar_texts)
def test_first_letters_lookahead_finds_what_the_plain_scan_finds(text: str) -> None:
    for guarded, forms in ((DATE_RE, DATE_FORMS), (NOT_DATES_RE, NAME_FORMS)):
        plain = re.compile(rf"(?<![\w-])(?:{forms})(?![\w-])", re.IGNORECASE)
        assert [m.span() for m in guarded.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ]


def test_first_letters_lookahead_lets_every_word_in_every_casing_through() -> None:
    text = " ".join(
        f"{case(word)} 12, {case(word)} {case(after)} 2024."
        for word in _calendar_words
        for case in (str.lower, str.upper, str.title, lambda w: w.replace("'", "’"))
        for after in ("semaine", "prochaine", "lalu", "week")
    )
    for guarded, forms in ((DATE_RE, DATE_FORMS), (NOT_DATES_RE, NAME_FORMS)):
        plain = re.compile(rf"(?<![\w-])(?:{forms})(?![\w-])", re.IGNORECASE)
        found = [m.span() for m in plain.finditer(text)]
        assert len(found) > len(_calendar_words)
        assert [m.span() for m in guarded.finditer(text)] == found


def test_speech_verb_lookahead_finds_what_the_plain_scan_finds() -> None:
    words = sorted({*all_verbs(), *all_participles()})
    text = " ".join(
        f"{case(word)}, «{case(word)}» x{case(word)} {case(word)}-x."
        for word in words
        for case in (str, str.title, str.upper, lambda w: w.replace("'", "’"))
    )
    for guarded, forms in (
        (ANY_VERB, VERB_FORMS),
        (ANY_VERB_OR_PARTICIPLE, VERB_OR_PARTICIPLE_FORMS),
    ):
        plain = re.compile(rf"(?<![\w\-])(?:{forms})(?![\w\-])")
        found = [m.span() for m in plain.finditer(text)]
        assert len(found) >= len(all_verbs())
        assert [m.span() for m in guarded.finditer(text)] == found
