"""Extraction stage: body cleaning, title, date, metadata and hostile input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from worker.core.errors import PermanentError
from worker.pipeline.extract import extract_html
from worker.pipeline.extract.boilerplate import clean_lines, is_boilerplate
from worker.pipeline.extract.metadata import PageMeta
from worker.pipeline.extract.title import pick_title, strip_affixes

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
        "Harbour bridge reopens after repairs – City – The Daily Gazette",
        "Harbour bridge reopens after repairs — gazette.example",
        "Harbour bridge reopens after repairs",
    ],
)
def test_title_suffix_and_prefix_removed(raw: str) -> None:
    sites = {"the daily gazette", "gazette"}
    assert strip_affixes(raw, sites) == "Harbour bridge reopens after repairs"


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
    html = page("news_ar.html").replace("2024-02-10T18:45:00+03:00", "2030-01-01T00:00:00Z")
    result = extract_html(html, fetched_at=FETCHED)
    assert result.published_at is None or result.published_at <= FETCHED


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
    ],
)
def test_prose_is_kept(line: str) -> None:
    assert not is_boilerplate(line)


def test_related_link_list_after_header_removed() -> None:
    lines = ["First paragraph of the story.", "Related:", "- Other story", "- Another one", "End."]
    assert clean_lines(lines) == ["First paragraph of the story.", "End."]


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
