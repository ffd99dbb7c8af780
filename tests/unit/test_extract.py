"""Extraction stage: body cleaning, title, date, metadata and hostile input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from worker.core.errors import PermanentError
from worker.core.models import Kind, RawItem
from worker.pipeline.articles import parse_item
from worker.pipeline.extract import extract_html
from worker.pipeline.extract.boilerplate import clean_lines, is_boilerplate
from worker.pipeline.extract.metadata import PageMeta
from worker.pipeline.extract.title import pick_title, strip_affixes
from worker.pipeline.normalise import implausible

PAGES = Path(__file__).parent / "pages"
FETCHED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


# --- title -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "Harbour bridge reopens after repairs | The Daily Gazette",
        "The Daily Gazette - Harbour bridge reopens after repairs",
        "Harbour bridge reopens after repairs — gazette.example",
        "Harbour bridge reopens after repairs",
    ],
)
def test_title_suffix_and_prefix_removed(raw: str) -> None:
    sites = {"the daily gazette", "gazette"}
    assert strip_affixes(raw, sites) == "Harbour bridge reopens after repairs"


def test_title_keeps_segment_that_is_not_the_site_name() -> None:
    # Changed with issue 17: only the site's name is stripped. A short segment is not a
    # section just because it is short ("... – das erwarten wir" is part of a headline).
    sites = {"the daily gazette", "gazette"}
    raw = "Harbour bridge reopens after repairs – City – The Daily Gazette"
    assert strip_affixes(raw, sites) == "Harbour bridge reopens after repairs – City"


def test_title_keeps_colon_headline() -> None:
    assert (
        strip_affixes("Brexit: what happens next | Site", {"site"}) == "Brexit: what happens next"
    )


def test_title_by_agreement_with_h1_when_site_unknown() -> None:
    meta = PageMeta(title_tag="Rates rise again - Money - Herald", h1=["Rates rise again"])
    assert pick_title(meta, None, None) == "Rates rise again"


def test_title_from_page() -> None:
    assert (
        extract_html(page("news_en.html")).title
        == "Harbour bridge reopens after two years of repairs"
    )


def test_title_non_latin_with_section_and_site() -> None:
    assert extract_html(page("news_ja.html")).title == "新しい図書館が駅前に開館"


# --- date --------------------------------------------------------------------------------


def test_day_only_jsonld_refined_by_meta_timestamp() -> None:
    # JSON-LD says 2024-03-04 (no time), the meta tag 2024-03-05T09:30+01:00: the day-only
    # value is a time-zone shift of the same instant, so the timestamp wins.
    result = extract_html(page("news_en.html"), fetched_at=FETCHED)
    assert result.published_at == datetime.fromisoformat("2024-03-05T09:30:00+01:00")
    assert result.published_at.utcoffset() is not None
    assert result.date_source == "meta:article:published_time"


def test_jsonld_wins_when_both_have_times_and_disagree() -> None:
    html = page("news_en.html").replace('"2024-03-04"', '"2024-03-01T07:15:00-05:00"')
    result = extract_html(html, fetched_at=FETCHED)
    assert result.published_at == datetime.fromisoformat("2024-03-01T07:15:00-05:00")
    assert result.date_source == "jsonld"


def test_future_date_is_never_used() -> None:
    # The page's only date is years ahead: extraction reports it (nothing better), the
    # article stage drops it and says so.
    html = page("news_ar.html").replace("2024-02-10T18:45:00+03:00", "2030-01-01T00:00:00Z")
    article = parse_item(
        RawItem(item_key="k", source="t", kind=Kind.HTML, payload={"html": html}), FETCHED
    )
    assert article.published_at is None
    assert article.meta["dropped_date"] == {
        "value": "2030-01-01T00:00:00+00:00",
        "why": "more than 2 days after the fetch",
        "source": "jsonld",
    }


@pytest.mark.parametrize(
    ("declared", "why"),
    [("0001-01-01T00:00:00Z", "before 1900"), ("9999-12-31", "more than 2 days after the fetch")],
)
def test_implausible_date_gives_way_to_a_plausible_one(declared: str, why: str) -> None:
    # JSON-LD is trusted most, but a CMS default there must not hide the meta tag's date.
    html = page("news_en.html").replace('"2024-03-04"', f'"{declared}"')
    result = extract_html(html, fetched_at=FETCHED)
    assert result.published_at == datetime.fromisoformat("2024-03-05T09:30:00+01:00")
    assert result.date_source == "meta:article:published_time"
    assert implausible(datetime.fromisoformat(declared), FETCHED) == why


def test_date_a_day_ahead_of_the_fetch_is_kept() -> None:
    # Time zones and clock skew: up to two days after the fetch is still plausible.
    html = page("news_ar.html").replace("2024-02-10T18:45:00+03:00", "2024-06-02T09:00:00+09:00")
    result = extract_html(html, fetched_at=FETCHED)
    assert result.published_at == datetime.fromisoformat("2024-06-02T09:00:00+09:00")


def test_year_one_page_is_stored_without_its_date() -> None:
    html = page("news_ar.html").replace("2024-02-10T18:45:00+03:00", "0001-01-01T00:00:00Z")
    html = html.replace("</p>", " Hier et demain, yesterday and tomorrow.</p>", 1)
    article = parse_item(
        RawItem(item_key="k", source="t", kind=Kind.HTML, payload={"html": html}), FETCHED
    )
    assert article.published_at is None
    assert article.meta["dropped_date"]["why"] == "before 1900"


def test_time_element_keeps_offset() -> None:
    result = extract_html(page("news_ja.html"), fetched_at=FETCHED)
    assert result.published_at == datetime.fromisoformat("2024-04-01T10:00:00+09:00")
    assert result.date_source == "time"


# --- metadata ----------------------------------------------------------------------------


def test_authors_site_canonical_lang() -> None:
    result = extract_html(page("news_en.html"))
    assert result.authors == ["Jane Doe", "Omar Khan"]
    assert result.site_name == "The Daily Gazette"
    assert result.canonical_url == "https://gazette.example/city/harbour-bridge-reopens"
    assert result.html_lang == "en"


def test_wrong_html_lang_is_reported_not_trusted() -> None:
    # The page declares lang="en" but is Japanese: we report the declaration as given and
    # still extract the Japanese text (language detection downstream decides).
    result = extract_html(page("news_ja.html"))
    assert result.html_lang == "en"
    assert "図書館" in result.body
    assert len(result.body.split("\n")) == 4


def test_arabic_page() -> None:
    result = extract_html(page("news_ar.html"), fetched_at=FETCHED)
    assert result.title == "افتتاح متحف جديد للفنون في المدينة القديمة"
    assert result.site_name == "جريدة المساء"
    assert "اقرأ أيضا" not in result.body
    assert len(result.body.split("\n")) == 3


# --- boilerplate -------------------------------------------------------------------------


def test_boilerplate_lines_removed_from_page() -> None:
    body = extract_html(page("news_en.html")).body
    for fragment in ("READ MORE", "newsletter", "Photo:", "Share this", "cookies"):
        assert fragment not in body
    assert body.startswith("The harbour bridge reopened")
    assert body.endswith("lessons for future works.")


@pytest.mark.parametrize(
    "line",
    [
        "Read more: Council approves budget",
        "Lesen Sie auch: Neue Regeln für Radfahrer",
        "À lire aussi : le budget de la ville",
        "Leia também: prefeitura anuncia obras",
        "Читайте также: новый мост открыт",
        "اقرأ أيضا: خطة جديدة",
        "関連記事：駅前再開発",
        "相关阅读：新桥开通",
        "Advertisement",
        "Photo: Reuters",
        "Sign up for our newsletter",
        "Follow us on Twitter",
        "We use cookies to give you the best experience",
        "© 2024 The Daily Gazette. All rights reserved.",
        "Comments",
        "Auch interessant:",
        "Das Thema könnte dich auch interessieren:",
        "Le puede interesar: JEP abrirá tres nuevos macrocasos",
        "Czytaj też: Wyścig zbrojeń ruszył z kopyta",
        "Anzeige, enthält Affiliate Links",
        "Follow The Gazette on Twitter and Instagram @gazette",
        "The mayor opens the bridge on Monday. © AFP / Jane Doe",
        "If you're seeing this message but you're already a subscriber, log in.",
    ],
)
def test_boilerplate_patterns(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "The council said it would read more reports before deciding on the budget.",
        "Officials signed up to the new plan after a long debate in parliament on Monday.",
        "市は今後、電子書籍の貸し出しサービスも始める予定だという。",
        "Die Anzeige gegen Unbekannt wurde am Montag erstattet, sagte die Polizei.",
        "Mira Costa won the race on Sunday after a late attack on the last climb.",
    ],
)
def test_prose_is_kept(line: str) -> None:
    assert not is_boilerplate(line)


def test_related_link_list_after_header_removed() -> None:
    lines = ["First paragraph of the story.", "Related:", "- Other story", "- Another one", "End."]
    assert clean_lines(lines) == ["First paragraph of the story.", "End."]


def test_page_links_after_header_and_at_the_end_removed() -> None:
    links = frozenset({"other story", "another one", "a third story"})
    lines = [
        "First paragraph.",
        "Auch interessant:",
        "Other story",
        "Another one",
        "Middle.",
        "A third story",
    ]
    assert clean_lines(lines, links) == ["First paragraph.", "Middle."]


# --- what a reader does not see, and bodies split in parts -------------------------------

LONG = "The committee heard evidence from residents, engineers and the council for most of the"
LONG += " afternoon before voting on the plan."


def test_hidden_text_and_cards_are_not_body() -> None:
    html = (
        "<html><body><article><p>The mayor, <a href='/p/1'>Jane Doe</a>"
        "<span class='card'><img src='a.jpg'><a href='/a'>Other story one</a>"
        "<a href='/b'>Other story two</a></span>, opened the bridge. " + LONG + "</p>"
        f"<p>{LONG}</p><div style='display: none'><p>Sign up for our daily briefing now, "
        "it is free and you can cancel at any time you like.</p></div>"
        f"<p aria-hidden='true'>Hidden duplicate of the story. {LONG}</p></article></body></html>"
    )
    body = extract_html(html).body
    assert "The mayor, Jane Doe, opened the bridge." in body
    for unseen in ("Other story", "briefing", "Hidden duplicate"):
        assert unseen not in body


def test_card_inside_a_span_wrapping_the_sentence_leaves_the_sentence() -> None:
    # A hover card on a name sits in the span that styles the whole sentence: only the
    # card goes, not the sentence around it.
    html = (
        "<html><body><article><p><span style='font-weight: 400'>A man threatened Rep. "
        "<span class='rollover'><a href='/people/jane-doe'>Jane Doe</a><span class='block'>"
        "<span><img src='j.jpg'><a href='/people/jane-doe'>Jane Doe</a>"
        "<a href='/a'>Other story one</a><a href='/b'>Other story two</a></span></span>"
        "</span> (D-Minn.), prosecutors said on Monday.</span> " + LONG + "</p>"
        f"<p>{LONG}</p></article></body></html>"
    )
    body = extract_html(html).body
    assert "A man threatened Rep. Jane Doe (D-Minn.), prosecutors said on Monday." in body
    assert "Other story" not in body


def _part(n: int) -> str:
    paragraphs = "".join(f"<p>Part {n} paragraph {i}. {LONG}</p>" for i in range(3))
    return f'<div class="body__container article__body">{paragraphs}</div>'


def test_body_split_around_an_ad_is_joined() -> None:
    # trafilatura alone keeps the first same-class part and drops the rest of the article.
    html = (
        "<html><body><article><h1>Bridge plan approved</h1>"
        f"<div class='grid'>{_part(1)}<div class='aside'>Advertisement</div></div>"
        "<div class='row'><div class='ad'>Advertisement</div></div>"
        f"<div class='grid'>{_part(2)}</div></article></body></html>"
    )
    result = extract_html(html)
    assert "Part 1 paragraph 0." in result.body and "Part 2 paragraph 2." in result.body
    assert result.body.index("Part 1 paragraph 2.") < result.body.index("Part 2 paragraph 0.")
    assert result.extractor == "trafilatura+parts"


def test_other_stories_of_a_listing_are_not_parts() -> None:
    # Same class, but each part has its own heading: a list of stories, not one split body.
    stories = "".join(f"<div class='post'><h2>Story {n}</h2>{_part(n)}</div>" for n in (1, 2))
    html = f"<html><body><main>{stories}</main></body></html>"
    body = extract_html(html).body
    assert not ("Part 1 paragraph" in body and "Part 2 paragraph" in body)


# --- hostile input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("", "no_content"),
        ("   ", "no_content"),
        ("<html><body><nav>Home</nav></body></html>", "no_content"),
        (bytes(range(256)).decode("latin-1") * 50, "unparsable_html"),
        ("\x00\x01\x02\ufffd" * 5000, "unparsable_html"),
    ],
)
def test_bad_input_gives_permanent_error(html: str, reason: str) -> None:
    with pytest.raises(PermanentError) as info:
        extract_html(html)
    assert info.value.reason == reason


def test_deep_nesting_does_not_crash() -> None:
    html = "<div>" * 100_000 + "deep text" + "</div>" * 100_000
    with pytest.raises(PermanentError):
        extract_html(html)


def test_huge_input_rejected() -> None:
    with pytest.raises(PermanentError) as info:
        extract_html("<p>" + "x" * 9_000_000 + "</p>")
    assert info.value.reason == "unparsable_html"


def test_not_a_string_rejected() -> None:
    with pytest.raises(PermanentError):
        extract_html(b"<html></html>")  # type: ignore[arg-type]
