"""Author names out of real-looking bylines (worker/pipeline/authors.py), and both callers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from worker.core.models import Kind, RawItem
from worker.pipeline.articles import parse_item
from worker.pipeline.authors import MAX_AUTHORS, clean_authors
from worker.pipeline.extract.metadata import PageMeta
from worker.pipeline.extract.people import pick_authors

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        # English: the AP style, roles and agencies after a comma, a dash or nothing
        ("By TOM KRISHER, AP Auto Writer", ["Tom Krisher"]),
        ("By MARK SMITH, Associated Press Writer", ["Mark Smith"]),
        ("Tom Krisher - AP Auto Writer", ["Tom Krisher"]),
        ("By DEE-ANN DURBIN AND TOM KRISHER Associated Press", ["Dee-Ann Durbin", "Tom Krisher"]),
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
        ("Anna Smith, Bob Jones and Carol White", ["Anna Smith", "Bob Jones", "Carol White"]),
        ("Anna Smith & Bob Jones", ["Anna Smith", "Bob Jones"]),
        ("Jane Doe, Staff Writer", ["Jane Doe"]),
        ("Jane Doe in Kyiv", ["Jane Doe"]),
        ("Jane Doe (Reuters)", ["Jane Doe"]),
        ("Reporting by Jane Doe; Editing by Bob Smith", ["Jane Doe"]),
        ("By Jane Doe, Special Correspondent", ["Jane Doe"]),
        # French
        ("Par Jean DUPONT et Marie Martin", ["Jean Dupont", "Marie Martin"]),
        ("Par Jean-Marc AYRAULT, envoyé spécial à Kyiv", ["Jean-Marc Ayrault"]),
        ("Par Marie Martin (avec AFP)", ["Marie Martin"]),
        # German
        ("Von Anna Schmidt und Max Müller, dpa", ["Anna Schmidt", "Max Müller"]),
        ("Text: Max Mustermann", ["Max Mustermann"]),
        ("Von der Leyen", ["Von der Leyen"]),
        # Spanish, Italian, Dutch, Norwegian
        ("Por MARÍA DE LA CRUZ, corresponsal", ["María de la Cruz"]),
        ("Di Mario Rossi e Anna Bianchi", ["Mario Rossi", "Anna Bianchi"]),
        ("Di Maio", ["Di Maio"]),
        ("Door Jan de Vries en Piet Jansen", ["Jan de Vries", "Piet Jansen"]),
        ("Av Kari Nordmann og Ola Nordmann", ["Kari Nordmann", "Ola Nordmann"]),
        # Greek and Russian capitals
        ("Σ. ΠΑΠΑΔΟΠΟΥΛΟΣ", ["Σ. Παπαδοπουλος"]),  # final sigma; no accents in capitals
        ("Ахмед ИВАНОВ", ["Ахмед Иванов"]),
    ],
)
def test_bylines(byline: str, names: list[str]) -> None:
    assert clean_authors(byline) == names


@pytest.mark.parametrize(
    ("shouted", "name"),
    [
        ("BY RONALD MCDONALD", "Ronald McDonald"),
        ("LUDWIG VAN BEETHOVEN", "Ludwig van Beethoven"),
        ("VAN GOGH", "Van Gogh"),  # a particle that starts the name is capitalised
        ("JEAN-PIERRE O'BRIEN", "Jean-Pierre O'Brien"),
        ("JOHN SMITH III", "John Smith III"),
        ("J.R.R. TOLKIEN", "J.R.R. Tolkien"),
        ("MASSIMO D'ALEMA", "Massimo D'Alema"),
    ],
)
def test_all_caps_names_are_title_cased(shouted: str, name: str) -> None:
    assert clean_authors(shouted) == [name]


@pytest.mark.parametrize("name", ["danah boyd", "JD Vance", "Ursula von der Leyen", "Robert E Lee"])
def test_names_in_mixed_case_are_kept_as_written(name: str) -> None:
    assert clean_authors(name) == [name]


@pytest.mark.parametrize(
    "junk",
    [
        "Reuters",
        "The Associated Press",
        "AFP/Reuters",
        "By Reuters Staff",
        "Staff Writer",
        "Rédaction",
        "jane@example.com",
        "@jdoe",
        "https://example.com/author/jane",
        "",
        "   ",
        "1234",
    ],
)
def test_roles_agencies_addresses_are_not_names(junk: str) -> None:
    assert clean_authors(junk) == []


def test_email_next_to_a_name_is_dropped() -> None:
    assert clean_authors("Jane Doe <jane.doe@example.com>") == ["Jane Doe"]
    assert clean_authors("Jane Doe jane.doe@example.com") == ["Jane Doe"]


def test_list_is_flattened_deduplicated_and_bounded() -> None:
    assert clean_authors(["By JANE DOE", "Jane Doe and Omar Khan", "omar khan"]) == [
        "Jane Doe",
        "Omar Khan",
    ]
    many = [f"Author {chr(65 + i)}{chr(97 + i)}" for i in range(20)]
    assert len(clean_authors(many)) == MAX_AUTHORS


def test_a_sentence_is_not_a_name() -> None:
    assert clean_authors("This article was written with the help of many people at home") == []


def test_page_meta_byline_and_jsonld() -> None:
    meta = PageMeta(meta={"author": "By TOM KRISHER, AP Auto Writer"})
    assert pick_authors(meta) == ["Tom Krisher"]
    jsonld = {"author": [{"@type": "Person", "name": "BY JANE DOE"}, {"name": "Reuters"}]}
    assert pick_authors(PageMeta(jsonld=jsonld, meta={"author": "Other"})) == ["Jane Doe"]


def test_record_authors_field() -> None:
    def authors(value: object) -> list[str]:
        record = {"body": "b", "authors": value}
        item = RawItem(item_key="k", source="t", kind=Kind.RECORD, payload={"record": record})
        return parse_item(item, NOW).authors

    assert authors("By Sam Carter and Priya Shah") == ["Sam Carter", "Priya Shah"]
    assert authors(["SAM CARTER, Reuters", "Priya Shah"]) == ["Sam Carter", "Priya Shah"]
    assert authors("Reuters") == []


def test_site_named_as_author_is_not_a_person() -> None:
    meta = PageMeta(meta={"author": "LinkNaija", "og:site_name": "LinkNaija"})
    assert pick_authors(meta) == []
    jsonld = {"author": {"name": "The Gazette"}, "publisher": {"name": "The Gazette"}}
    assert pick_authors(PageMeta(jsonld=jsonld, meta={"author": "Jane Doe"})) == ["Jane Doe"]


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("Analysis by Chris Cillizza", ["Chris Cillizza"]),
        ("Photos by Jane Doe", []),
        ("By Jane Doe. Photos by Bob Roe", ["Jane Doe"]),
        ("Troy L. Smith, cleveland.com", ["Troy L. Smith"]),
        ("Jill Disis, CNN Business", ["Jill Disis"]),
        ("Ilana Muhlstein, MS, RDN", ["Ilana Muhlstein"]),
        ("Redacci&oacute;n Diario Pagina Siete", []),
        ("Web Commerce GmbH", []),
        ("christian.stadtfeld", []),
        ("Super User", []),
        ("PTI", ["PTI"]),  # an acronym stays one
    ],
)
def test_bylines_seen_on_real_pages(byline: str, names: list[str]) -> None:
    assert clean_authors(byline) == names
