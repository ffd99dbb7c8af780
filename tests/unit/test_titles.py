"""Titles: only the site's name is stripped; the displayed headline wins over SEO variants.

Pages are fabricated and minimal: a <title>, optional og: tags, an optional h1 and a
paragraph long enough to count as a body.
"""

from __future__ import annotations

import pytest

from worker.pipeline.extract import extract_html
from worker.pipeline.extract.title import domain_label, is_site, strip_affixes
from worker.pipeline.normalise import original_url

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
        (  # a slogan after the site's name goes with it
            "Christmas Gift Guide | Journelles | Jetzt entdecken!",
            "Journelles",
            "https://www.journelles.de/gift-guide-westwing-22/",
            "Christmas Gift Guide",
        ),
        (
            "Das Musikvideo der Woche : Krimiblog-Archiv | Ermittlungen zum Genre | Gegründet 2005",
            "Krimiblog-Archiv",
            "http://archiv.krimiblog.de/?p=2895",
            "Das Musikvideo der Woche",
        ),
        (  # a box-drawing bar separates as "|" does
            "Produkttester werden: gratis testen & bewerten │ Nestlé Marktplatz",
            "",
            "https://www.nestle-marktplatz.de/mitmachen/produkttests",
            "Produkttester werden: gratis testen & bewerten",
        ),
        (  # a dash clause that only resembles the site's name stays
            "Auto Bild testet: neue Elektroautos - Auto Bild Klassik im Vergleich | Auto Bild",
            "Auto Bild",
            "https://www.autobild.de/artikel/test.html",
            "Auto Bild testet: neue Elektroautos - Auto Bild Klassik im Vergleich",
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


def test_site_name_from_jsonld_publisher() -> None:
    html = make_page("Harbour bridge reopens after repairs - Küstenbote").replace(
        "</head>",
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "publisher": {"@type": "Organization", "name": "Küstenbote"}}</script></head>',
    )
    assert title_of(html) == "Harbour bridge reopens after repairs"


def test_title_that_is_all_site_names_never_becomes_the_headline() -> None:
    html = make_page("ICON • ICON Magazine", og_title="ICON Magazine", site_name="ICON Magazine")
    assert title_of(html) == ""  # nothing but the site's name: no headline


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


# --- headings with a kicker, section or dateline of their own -----------------------------


def page_with(
    title: str, *, h1s: tuple[str, ...] = (), og_title: str = "", headline: str = ""
) -> str:
    """A page whose h1s are given as raw HTML, with an optional JSON-LD headline."""
    html = make_page(title, og_title=og_title).replace(
        "<article>", "<article>" + "".join(f"<h1>{h}</h1>" for h in h1s)
    )
    if headline:
        script = (
            '<script type="application/ld+json">'
            f'{{"@type": "NewsArticle", "headline": "{headline}"}}</script>'
        )
        html = html.replace("</head>", script + "</head>")
    return html


def test_kicker_span_the_titles_leave_out_is_dropped() -> None:
    html = page_with(
        "Große Aufgaben für die neue Regierung | Example",
        h1s=("<span>Tunesien</span> <span>Große Aufgaben für die neue Regierung</span>",),
    )
    assert title_of(html) == "Große Aufgaben für die neue Regierung"


def test_kicker_joined_by_a_colon_stays() -> None:
    html = page_with(
        "Marita Kramer verpasst Olympische Spiele in Peking - Example",
        h1s=('<span>"Pure Leere":</span> <span>Marita Kramer verpasst Olympische Spiele</span>',),
    )
    assert title_of(html) == '"Pure Leere": Marita Kramer verpasst Olympische Spiele'


def test_section_before_a_bar_in_the_h1_is_dropped() -> None:
    html = page_with(
        "Brothel busted in Boston after a long inquiry",
        h1s=("Local News | Brothel busted in Boston after a long inquiry",),
    )
    assert title_of(html) == "Brothel busted in Boston after a long inquiry"


def test_dateline_span_after_the_headline_is_dropped() -> None:
    html = page_with(
        "Haltet unsere Gewässer sauber! - Der Segelblog aus Berlin",
        h1s=("<span>»Haltet unsere Gewässer sauber!«</span><small>23. Februar 2020</small>",),
    )
    assert title_of(html) == "»Haltet unsere Gewässer sauber!«"


def test_slash_inside_the_h1_is_headline_text() -> None:
    # The <title> cut at its slash gives "Dare to Play 3", which the h1 holds: still the
    # whole h1 is the headline, a slash is no span.
    html = page_with(
        "Dare to Play 3 / October pack – Vortex Cannon Entertainment",
        h1s=("Dare to Play 3 / October pack",),
    )
    assert title_of(html) == "Dare to Play 3 / October pack"


def test_words_the_h1_adds_in_its_own_text_stay() -> None:
    # No span sets "in Tennessee" apart: it is the displayed headline, the title is short.
    html = page_with(
        "Ultium Cells erhöht Gigafactory-Kapazität - Battery-News",
        h1s=("Ultium Cells erhöht Gigafactory-Kapazität in Tennessee",),
    )
    assert title_of(html) == "Ultium Cells erhöht Gigafactory-Kapazität in Tennessee"


def test_dash_lost_between_spans_comes_back_from_the_title() -> None:
    html = page_with(
        "Olympische Spiele in Paris - Getränke per Schiff ins Stadtzentrum - Lebensmittel",
        h1s=(
            "<span>Olympische Spiele in Paris</span>"
            "<span>Getränke per Schiff ins Stadtzentrum</span>",
        ),
    )
    assert title_of(html) == "Olympische Spiele in Paris - Getränke per Schiff ins Stadtzentrum"


def test_h1_that_is_the_leading_segment_of_the_title() -> None:
    # Nothing names "Evangelisches Jugendwerk ... - EJW" as the site; the h1 shows the story.
    html = page_with(
        "Faire Lieferketten - Evangelisches Jugendwerk in Württemberg (ejw) - EJW",
        h1s=("Faire Lieferketten",),
    )
    assert title_of(html) == "Faire Lieferketten"


def test_one_word_h1_is_no_segment_match() -> None:
    # "News" is one end of the <title> too, but one word is as likely a section.
    html = page_with("News - Eawag", og_title="Auf das erste Elektron kommt es an", h1s=("News",))
    assert title_of(html, "https://eawag.example/news/auf-das-erste-elektron/") == (
        "Auf das erste Elektron kommt es an"
    )


def test_of_two_h1s_at_the_ends_of_the_title_the_longer_is_the_headline() -> None:
    html = page_with(
        "Werkzeuge des Neandertalers und des Modernen Menschen | Steinzeit & Co",
        h1s=("Steinzeit & Co", "Werkzeuge des Neandertalers und des Modernen Menschen"),
    )
    assert title_of(html) == "Werkzeuge des Neandertalers und des Modernen Menschen"


def test_h1_rewording_beats_a_jsonld_headline_with_a_section_kicker() -> None:
    html = page_with(
        "Chronik: Lotte Tobisch ist tot - wien.ORF.at",
        og_title="Chronik: Lotte Tobisch ist tot",
        headline="Chronik: Lotte Tobisch ist tot",
        h1s=("Lotte Tobisch ist tot",),
    )
    assert title_of(html, "https://wien.orf.at/stories/3017/") == "Lotte Tobisch ist tot"


def test_full_h1_beats_a_cut_off_og_title() -> None:
    html = page_with(
        "Viele Studierende sind noch verzweifelt auf Wohnungssuche in...",
        h1s=("Viele Studierende sind noch verzweifelt auf Wohnungssuche in Freiburg",),
    )
    assert title_of(html) == "Viele Studierende sind noch verzweifelt auf Wohnungssuche in Freiburg"


def test_h1_confirmed_by_the_jsonld_headline_beats_the_seo_title() -> None:
    html = page_with(
        "Alaska Airlines to become full Oneworld member by spring",
        headline="Alaska Airlines sets new date for full Oneworld membership",
        h1s=("Alaska Airlines sets new date for full Oneworld membership",),
    )
    assert title_of(html) == "Alaska Airlines sets new date for full Oneworld membership"


# --- the page's one h1 when no title confirms it ------------------------------------------


def test_sole_h1_beats_an_seo_title_it_is_related_to() -> None:
    html = page_with(
        "Privatkredit-Zinsen: So ermitteln Sie Ihre Kosten | SMAVA",
        h1s=("Wie hoch sind die Zinsen für einen Privatkredit?",),
    )
    assert title_of(html) == "Wie hoch sind die Zinsen für einen Privatkredit?"


def test_sole_h1_related_through_the_url() -> None:
    html = page_with("Ausflugtipps Niederrhein und Ruhrgebiet", h1s=("Essen-Westviertel",))
    url = "https://ausflug.example/essen/essenwestviertel.html"
    assert title_of(html, url) == "Essen-Westviertel"


def test_sole_h1_that_links_to_a_section_is_not_the_headline() -> None:
    html = page_with(
        "Rathaus beschließt den Haushalt für die Politik des nächsten Jahres",
        h1s=("<a href='/politik/'>Politik</a>",),
    )
    assert title_of(html) == "Rathaus beschließt den Haushalt für die Politik des nächsten Jahres"


def test_h1_in_the_page_header_is_the_banner() -> None:
    html = make_page("Militares enviaram 88 questões ao TSE sobre urnas").replace(
        "<body>", "<body><header><h1>Brasília militares</h1></header>"
    )
    assert title_of(html) == "Militares enviaram 88 questões ao TSE sobre urnas"


def test_screen_reader_h1_is_not_the_headline() -> None:
    html = make_page("#RieslingBirthday Posts gewinnen").replace(
        "<article>", "<article><h1 class='sr-only'>Details zum RieslingBirthday</h1>"
    )
    assert title_of(html) == "#RieslingBirthday Posts gewinnen"


@pytest.mark.parametrize(
    ("url", "original"),
    [
        (
            "https://web.archive.org/web/20140226054445/http://www.time4talks.com/2013/08/a/",
            "http://www.time4talks.com/2013/08/a/",
        ),
        (
            "http://web.archive.org/web/2008id_/the-pain.net/2008/05/x",
            "http://the-pain.net/2008/05/x",
        ),
        (
            "https://example.org/web/20140226054445/http://a.de/",
            "https://example.org/web/20140226054445/http://a.de/",
        ),
        (None, None),
    ],
)
def test_an_archived_copy_names_the_page_it_preserves(
    url: str | None, original: str | None
) -> None:
    assert original_url(url) == original


def test_an_archived_page_is_read_under_its_own_address() -> None:
    # The archive's own host names no site: the preserved page's domain does.
    page = make_page("Weitere Digitalisierung der Schweizer Kinos | Time 4 talks")
    archived = "https://web.archive.org/web/20140226054445/http://www.time4talks.com/2013/08/07/a/"
    assert title_of(page, archived) == "Weitere Digitalisierung der Schweizer Kinos"
