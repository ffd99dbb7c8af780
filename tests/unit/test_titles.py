"""Titles: only the site's name is stripped; the displayed headline wins over SEO variants.

Pages are fabricated and minimal: a <title>, optional og: tags, an optional h1 and a
paragraph long enough to count as a body.
"""

from __future__ import annotations

import pytest

from worker.pipeline.extract import extract_html
from worker.pipeline.extract.title import domain_label, is_site, strip_affixes

BODY = "<p>" + "The council met on Monday and agreed the new plan for the harbour. " * 6 + "</p>"


def make_page(title: str, *, h1: str = "", og_title: str = "", site_name: str = "") -> str:
    meta = ""
    if og_title:
        meta += f'<meta property="og:title" content="{og_title}">'
    if site_name:
        meta += f'<meta property="og:site_name" content="{site_name}">'
    heading = f"<h1>{h1}</h1>" if h1 else ""
    return (
        f"<html><head><title>{title}</title>{meta}</head>"
        f"<body><article>{heading}{BODY}</article></body></html>"
    )


def title_of(html: str, url: str | None = None) -> str:
    return extract_html(html, url=url).title


# --- kickers and clauses are headline text ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "site", "url", "headline"),
    [
        (
            "Nach Gaetz-Rückzug: Trump-Anwältin soll Justizministerin werden | tagesschau.de",
            "tagesschau.de",
            "https://www.tagesschau.de/ausland/amerika/gaetz-100.html",
            "Nach Gaetz-Rückzug: Trump-Anwältin soll Justizministerin werden",
        ),
        (
            "Europe : les ventes de voitures électriques reculent - Le Monde",
            "Le Monde",
            "https://www.lemonde.fr/economie/article/2024/ventes.html",
            "Europe : les ventes de voitures électriques reculent",
        ),
        (
            "Nationaler Veteranentag: Orden fürs Morden | taz.de",
            "taz.de",
            "https://taz.de/Nationaler-Veteranentag/!600000/",
            "Nationaler Veteranentag: Orden fürs Morden",
        ),
        (
            "Neue Regeln für Elektroautos – das erwarten wir | Auto Bild",
            "Auto Bild",
            "https://www.autobild.de/artikel/regeln.html",
            "Neue Regeln für Elektroautos – das erwarten wir",
        ),
        (
            "Die neue Bahncard - So teuer wird sie - DER SPIEGEL",
            "",
            "https://www.spiegel.de/reise/bahncard-a-1.html",
            "Die neue Bahncard - So teuer wird sie",
        ),
    ],
)
def test_only_the_site_name_is_stripped(raw: str, site: str, url: str, headline: str) -> None:
    assert title_of(make_page(raw, site_name=site), url) == headline


def test_kicker_kept_when_title_has_no_site_name() -> None:
    page = make_page("Nationaler Veteranentag: Orden fürs Morden")
    assert title_of(page) == "Nationaler Veteranentag: Orden fürs Morden"


def test_dash_clause_kept_without_url_or_site_name() -> None:
    page = make_page("Die neue Bahncard - So teuer wird sie")
    assert title_of(page) == "Die neue Bahncard - So teuer wird sie"


# --- what counts as the site's name ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("https://www.spiegel.de/a.html", "spiegel"),
        ("https://www.bbc.co.uk/news/x", "bbc"),
        ("https://wien.orf.at/stories/1/", "orf"),
        ("https://elpais.com/x", "elpais"),
        (None, ""),
    ],
)
def test_domain_label(url: str | None, label: str) -> None:
    assert domain_label(url) == label


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("DER SPIEGEL", True),  # the domain label plus an article
        ("SPIEGEL ONLINE", True),
        ("spiegel.de", True),
        ("Der Spiegel der Gesellschaft: ein Essay", False),  # mentions it, is not it
    ],
)
def test_site_name_from_domain_label(segment: str, expected: bool) -> None:
    assert is_site(segment, [["spiegel"]]) is expected


def test_site_name_compared_without_case_and_accents() -> None:
    assert strip_affixes(
        "Ein neuer Plan für die Stadt | SUDDEUTSCHE ZEITUNG", {"Süddeutsche Zeitung"}
    ) == ("Ein neuer Plan für die Stadt")


def test_title_that_is_only_the_site_name_gives_way_to_the_headline() -> None:
    # A Korean page whose <title> ends in the site's latin name and whose h1 is its logo.
    html = make_page(
        "새 도서관이 역 앞에 문을 열었다 - Entermedia", h1="엔터 미디어", site_name="엔터 미디어"
    )
    assert title_of(html, "http://entermedia.co.kr/news/1") == "새 도서관이 역 앞에 문을 열었다"


def test_h1_linking_to_the_front_page_is_a_logo() -> None:
    html = make_page("Was ist virales Marketing? | Dimido", h1="<a href='/'>Dimido Blog</a>")
    assert title_of(html) == "Was ist virales Marketing?"


# --- the displayed headline --------------------------------------------------------------


def test_displayed_headline_preferred_over_seo_title() -> None:
    html = make_page(
        "Brexit: Nervenkrieg geht in nächste Runde | Example News",
        og_title="Brexit: Nervenkrieg geht in nächste Runde",
        h1="Der Nervenkrieg um den Brexit geht in die nächste Runde",
        site_name="Example News",
    )
    assert title_of(html) == "Der Nervenkrieg um den Brexit geht in die nächste Runde"


def test_unrelated_h1_is_not_the_headline() -> None:
    html = make_page("Harbour bridge reopens after repairs | Gazette", h1="Latest news")
    assert title_of(html, "https://gazette.example/x") == "Harbour bridge reopens after repairs"


def test_kicker_span_takes_the_colon_from_the_title() -> None:
    html = make_page(
        "Nach Gaetz-Rückzug: Trump-Anwältin soll Ministerin werden | Example",
        h1="<span>Nach Gaetz-Rückzug</span><span>Trump-Anwältin soll Ministerin werden</span>",
        site_name="Example",
    )
    assert title_of(html) == "Nach Gaetz-Rückzug: Trump-Anwältin soll Ministerin werden"


def test_section_named_by_the_url_folder_is_stripped() -> None:
    html = make_page(
        "Harbour bridge reopens after repairs – City – The Daily Gazette",
        site_name="The Daily Gazette",
    )
    url = "https://gazette.example/city/harbour-bridge-reopens"
    assert title_of(html, url) == "Harbour bridge reopens after repairs"


def test_url_slug_is_not_a_section() -> None:
    html = make_page("Harbour bridge reopens - The Daily Gazette", site_name="The Daily Gazette")
    url = "https://gazette.example/harbour-bridge-reopens/"
    assert title_of(html, url) == "Harbour bridge reopens"


def test_jsonld_headline_entities_decoded() -> None:
    html = make_page("Record of the week: &#8216;Lift Off&#8217; | Tone", site_name="Tone").replace(
        "</head>",
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Record of the week: &#8216;Lift Off&#8217;"}</script></head>',
    )
    assert title_of(html) == "Record of the week: ‘Lift Off’"
