"""Publication-date rules: partial and day-first dates, dates of other pages and comments,
the page's own offset, the day a page shows when it declares none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from worker.pipeline.extract.date_rules import in_listing, local_time, shown_date
from worker.pipeline.extract.dates import Dated, parse_date, pick_date
from worker.pipeline.extract.dom import parse_html
from worker.pipeline.extract.metadata import read_meta

FETCHED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BODY = "<p>" + "The council voted on the city budget after a long debate. " * 5 + "</p>"


def pick(head: str, body: str) -> Dated | None:
    tree = parse_html(f"<html><head>{head}</head><body>{body}</body></html>")
    return pick_date(tree, read_meta(tree), FETCHED)


def jsonld(**fields: str) -> str:
    pairs = ", ".join(f'"{key}": "{value}"' for key, value in fields.items())
    return f'<script type="application/ld+json">{{"@type": "NewsArticle", {pairs}}}</script>'


# --- reading one value --------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1988", "2017/01", "March 2020", "garbage"])
def test_value_without_a_day_is_no_date(raw: str) -> None:
    # dateutil would fill the missing day (and month) from today's date.
    assert parse_date(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.12.2022, 07:00:03", datetime(2022, 12, 10, 7, 0, 3)),
        ("01-11-2023 10:29", datetime(2023, 11, 1, 10, 29)),
        ("Sat, 19 Oct 2019 00:04:00 +0200", datetime.fromisoformat("2019-10-19T00:04+02:00")),
        ("11/03/2020", datetime(2020, 11, 3)),  # slashes: month first, as in the US
    ],
)
def test_numeric_dates_with_the_year_last_read_day_first(raw: str, expected: datetime) -> None:
    assert parse_date(raw) == expected


# --- dates of other pages -----------------------------------------------------------------


def test_time_in_related_articles_is_not_the_pages_date() -> None:
    related = (
        '<div class="related-inner"><article><a href="/old">An old post</a>'
        '<p><time datetime="2009-04-11 18:06:36">11. April 2009</time></p></article></div>'
    )
    own = '<time datetime="2019-10-22T08:00:00+02:00">22.10.2019</time>'
    dated = pick("", f"<article>{BODY}{related}<footer>{own}</footer></article>")
    assert dated == Dated(datetime.fromisoformat("2019-10-22T08:00:00+02:00"), "time")


def test_time_of_a_comment_is_not_the_pages_date() -> None:
    comment = (
        '<ol class="commentlist"><li><div class="comment-metadata">'
        '<time datetime="2019-08-24T03:36:11+02:00">24. August 2019</time></div></li></ol>'
    )
    dated = pick("", f'<article>{BODY}<p class="post-date">16.08.2019</p></article>{comment}')
    assert dated == Dated(datetime(2019, 8, 16), "shown")


def test_listing_names_are_matched_at_their_start() -> None:
    tree = parse_html(
        '<html><body><div class="entry-meta nyo-social-comments"><time datetime="2023-11-08">'
        '</time></div><div class="c-related"><time datetime="2020-01-01"></time></div>'
        "</body></html>"
    )
    own, other = tree.findall(".//time")
    assert not in_listing(own)
    assert in_listing(other)


# --- order of trust -----------------------------------------------------------------------


def test_time_element_outranks_a_bare_date_meta_tag() -> None:
    head = '<meta name="date" content="2022-01-26T14:32:06+02:00">'
    dated = pick(head, f'{BODY}<time datetime="2022-01-21">21.01.2022</time>')
    assert dated == Dated(datetime(2022, 1, 21), "time")


def test_bare_date_meta_tag_still_dates_a_page_without_time_elements() -> None:
    dated = pick('<meta name="date" content="2022-01-26T14:32:06+02:00">', BODY)
    assert dated == Dated(datetime.fromisoformat("2022-01-26T14:32:06+02:00"), "meta:date")


def test_jsonld_date_created_when_it_has_no_date_published() -> None:
    dated = pick(jsonld(dateCreated="2020-04-27T17:58:19+02:00"), BODY)
    assert dated == Dated(datetime.fromisoformat("2020-04-27T17:58:19+02:00"), "jsonld:dateCreated")


# --- the day a page shows -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("shown", "day"),
    [
        ('<div class="field--name-node-post-date">20.12.2022</div>', datetime(2022, 12, 20)),
        (
            '<p class="article-header__meta">Von A. Autor, 07 Dezember, 2022</p>',
            datetime(2022, 12, 7),
        ),
        (
            '<span class="publish-date">Published 11:11 PM EST Nov 19, 2019</span>',
            datetime(2019, 11, 19),
        ),
        ('<p class="date">Written: 2023-11-07 15:03:30</p>', datetime(2023, 11, 7)),
        ('<div class="meta">Par Loïc | 30 septembre 2018</div>', datetime(2018, 9, 30)),
    ],
)
def test_day_shown_in_an_element_named_for_it(shown: str, day: datetime) -> None:
    assert pick("", f"<article><h1>Budget</h1>{shown}{BODY}</article>") == Dated(day, "shown")


def test_shown_day_ignores_long_text_and_other_elements() -> None:
    long = '<div class="meta">' + "word " * 30 + "on 3 May 2021</div>"
    plain = "<p>Updated 4 May 2021</p>"
    tree = parse_html(f"<html><body>{long}{plain}{BODY}</body></html>")
    assert shown_date(tree) is None


def test_declared_date_outranks_the_shown_day() -> None:
    head = '<meta property="article:published_time" content="2022-12-19T10:00:00+01:00">'
    dated = pick(head, f'<p class="post-date">20.12.2022</p>{BODY}')
    assert dated is not None and dated.source == "meta:article:published_time"


# --- the page's own offset ----------------------------------------------------------------


def test_utc_timestamp_takes_the_offset_of_the_same_instant() -> None:
    head = jsonld(datePublished="2019-10-18T22:04:00Z") + (
        '<meta name="date" content="Sat, 19 Oct 2019 00:04:00 +0200">'
    )
    dated = pick(head, BODY)
    assert dated == Dated(datetime.fromisoformat("2019-10-19T00:04:00+02:00"), "jsonld")
    assert dated.value.utcoffset() == timedelta(hours=2)


def test_utc_timestamp_takes_the_offset_of_a_naive_local_time() -> None:
    head = jsonld(datePublished="2023-11-09T05:30:59Z")
    body = f'{BODY}<div class="time"><time datetime="2023-11-08 23:30:59">Nov 8</time></div>'
    dated = pick(head, body)
    assert dated is not None
    assert dated.value.isoformat() == "2023-11-08T23:30:59-06:00"


def test_utc_timestamp_takes_the_offset_shown_in_its_time_element() -> None:
    time = '<time datetime="2019-11-19T07:03:25+00:00">November 18, 2019 11:03 PM</time>'
    dated = pick(jsonld(datePublished="2019-11-19T07:03:25+00:00"), f"{time}{BODY}")
    assert dated is not None
    assert dated.value.isoformat() == "2019-11-18T23:03:25-08:00"


def test_utc_timestamp_takes_the_offset_of_the_modification_time() -> None:
    head = jsonld(datePublished="2019-11-19T03:05:46Z") + (
        '<meta property="og:updated_time" content="2019-11-18T22:15:39-05:00">'
    )
    dated = pick(head, BODY)
    assert dated is not None
    assert dated.value.isoformat() == "2019-11-18T22:05:46-05:00"


def test_utc_timestamp_without_local_times_stays_utc() -> None:
    dated = pick(jsonld(datePublished="2019-11-19T02:34:30Z"), BODY)
    assert dated == Dated(datetime(2019, 11, 19, 2, 34, 30, tzinfo=UTC), "jsonld")


def pick_at(url: str | None, head: str, lang: str | None = None) -> Dated | None:
    html = f"<html{f' lang={lang!r}' if lang else ''}><head>{head}</head><body>{BODY}</body></html>"
    tree = parse_html(html)
    return pick_date(tree, read_meta(tree), FETCHED, url)


@pytest.mark.parametrize(
    ("url", "lang", "utc", "expected"),
    [
        # a German page's midnight (CET) is 23:00 UTC the day before
        ("https://www.example.de/a", None, "2022-11-06T23:00:00Z", "2022-11-07T00:00:00+01:00"),
        # summer time, from the language's region on a generic domain
        ("https://example.com/a", "de-AT", "2021-06-30T22:30:00Z", "2021-07-01T00:30:00+02:00"),
        # west of Greenwich, a second-level country domain
        ("https://www.example.com.ar/a", None, "2022-05-04T00:25:56Z", "2022-05-03T21:25:56-03:00"),
        ("https://example.com/a", "pt-BR", "2022-05-04T00:44:52Z", "2022-05-03T21:44:52-03:00"),
        # a language read in one zone only
        ("https://example.org/a", "it", "2020-02-18T23:30:00Z", "2020-02-19T00:30:00+01:00"),
        # neither the domain nor the language tells: UTC stays
        ("https://example.com/a", "en", "2020-02-25T02:25:54Z", "2020-02-25T02:25:54+00:00"),
        ("https://example.com/a", "es", "2020-02-25T02:25:54Z", "2020-02-25T02:25:54+00:00"),
        # "en-US" is blog software's default locale everywhere: it places nobody
        ("https://example.com/a", "en-US", "2020-02-25T02:25:54Z", "2020-02-25T02:25:54+00:00"),
        # ".co" is sold to anyone; ".com.co" is Colombia
        ("https://startup.co/a", None, "2020-02-25T02:25:54Z", "2020-02-25T02:25:54+00:00"),
        ("https://www.x.com.co/a", None, "2020-02-25T02:25:54Z", "2020-02-24T21:25:54-05:00"),
        # no zone, but the address names the day before: the smallest offset that gets there
        (
            "https://example.com/2020/02/24/story/",
            "en",
            "2020-02-25T02:25:54Z",
            "2020-02-24T23:25:54-03:00",
        ),
        (
            "https://example.com/2020/02/25/story/",
            "en",
            "2020-02-25T02:25:54Z",
            "2020-02-25T02:25:54+00:00",
        ),
        (
            "https://example.com/2020/02/20/story/",
            "en",
            "2020-02-25T02:25:54Z",
            "2020-02-25T02:25:54+00:00",
        ),
        (
            "https://example.com/2020/02/30/story/",
            "en",
            "2020-02-25T02:25:54Z",
            "2020-02-25T02:25:54+00:00",
        ),
        # a zone known from the domain comes first
        (
            "https://www.example.de/2022/11/06/a",
            None,
            "2022-11-06T23:00:00Z",
            "2022-11-07T00:00:00+01:00",
        ),
        # a bare midnight is a day written without its time: never moved a day back
        ("https://www.example.com.ar/a", None, "2019-06-17T00:00:00Z", "2019-06-17T00:00:00+00:00"),
    ],
)
def test_utc_timestamp_takes_the_zone_of_the_pages_readers(
    url: str, lang: str | None, utc: str, expected: str
) -> None:
    dated = pick_at(url, jsonld(datePublished=utc), lang)
    assert dated is not None
    assert dated.value.isoformat() == expected


def test_a_local_time_on_the_page_beats_the_readers_zone() -> None:
    head = jsonld(datePublished="2019-11-19T03:05:46Z") + (
        '<meta property="og:updated_time" content="2019-11-18T22:15:39-05:00">'
    )
    dated = pick_at("https://www.example.de/a", head)
    assert dated is not None
    assert dated.value.isoformat() == "2019-11-18T22:05:46-05:00"


def test_local_time_keeps_non_utc_values_and_ignores_coincidences() -> None:
    plus_one = datetime(2024, 3, 5, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert local_time(plus_one, [datetime(2024, 3, 5, 12, 30)]) is plus_one
    utc = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
    # A naive time on the hour, or a day only, may be anything: not an offset.
    assert local_time(utc, [datetime(2024, 3, 5, 4, 0), datetime(2024, 3, 5)]) == utc
    assert local_time(utc, [datetime(2024, 3, 5, 9, 0)]).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Veröffentlicht am 16.08.2019 Dauer: 1 Stunde", datetime(2019, 8, 16)),
        ("Letzte Änderung: 31.10.2023 Erschienen am: 01.11.2023", datetime(2023, 11, 1)),
        ("Posted on March 3, 2021 by the editors", datetime(2021, 3, 3)),
    ],
)
def test_day_written_after_a_word_for_published(text: str, day: datetime) -> None:
    assert pick("", f"<article>{BODY}<p>{text}</p></article>") == Dated(day, "labelled")


def test_shown_day_outranks_a_labelled_one() -> None:
    body = f'<span class="post-date">09.09.2017</span>{BODY}<p>Erscheinungsdatum: 14.08.2017</p>'
    assert pick("", body) == Dated(datetime(2017, 9, 9), "shown")


def test_offset_at_the_end_of_the_calendar_keeps_the_value() -> None:
    last = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    assert local_time(last, [datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2)))]) == last


@pytest.mark.parametrize(
    ("published", "modified", "day"),
    [
        # Month first (dateutil's reading) would be 5 October, after the modification.
        ("10/05/2022 05:22 pm", "2022/05/10 17:36:11", "2022-05-10"),
        # Month first is right: 3 April, modified the same day.
        ("04/03/2022", "2022-04-03T10:00:00Z", "2022-04-03"),
        # Not ambiguous (a field over 12): read as written.
        ("10/25/2022", "2022-10-26T10:00:00Z", "2022-10-25"),
    ],
)
def test_a_slash_date_read_both_ways_takes_the_reading_its_modified_date_allows(
    published: str, modified: str, day: str
) -> None:
    found = pick(jsonld(datePublished=published, dateModified=modified), BODY)
    assert found is not None and found.value.date().isoformat() == day


def test_a_slash_date_without_a_modified_date_reads_month_first() -> None:
    found = pick(jsonld(datePublished="10/05/2022"), BODY)
    assert found is not None and found.value.date().isoformat() == "2022-10-05"


def _time_page(shown: str) -> Dated | None:
    time = f'<time class="entry-date published" datetime="2019-12-26T23:07:45+00:00">{shown}</time>'
    html = f"<html><head></head><body><article>{time}{BODY}</article></body></html>"
    tree = parse_html(html)
    return pick_date(tree, read_meta(tree), FETCHED, "https://www.example.ch/?p=5031")


@pytest.mark.parametrize(
    ("shown", "day"),
    [
        ("26/12/2019", "2019-12-26"),  # the page shows the UTC day: Zurich's 27th is undone
        ("26. Dezember 2019", "2019-12-26"),
        ("27.12.2019", "2019-12-27"),  # it shows Zurich's day: the shift stands
        ("vor zwei Stunden", "2019-12-27"),  # no day shown: the readers' zone decides
    ],
)
def test_the_day_a_time_element_shows_has_the_last_word(shown: str, day: str) -> None:
    dated = _time_page(shown)
    assert dated is not None
    assert dated.value.date().isoformat() == day
