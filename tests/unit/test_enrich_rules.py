"""The rule-based enrichment stages, without a model: dateline, quotes, dates, numbers."""

from __future__ import annotations

import re
from datetime import date

import pytest

from worker.pipeline.enrich.dateline import find_dateline
from worker.pipeline.enrich.dates import find_dates
from worker.pipeline.enrich.entities import Mention, mention_index, merge_mentions, split_chunks
from worker.pipeline.enrich.keywords import extract_keywords
from worker.pipeline.enrich.numbers import find_numbers
from worker.pipeline.enrich.quotes import find_quotes
from worker.pipeline.enrich.text import normalise_apostrophes, reading_time_minutes, word_count


@pytest.mark.parametrize(
    ("body", "place", "agency"),
    [
        ("JAKARTA - La Russie maintient", "Jakarta", None),
        ("JAKARTA – La Russie", "Jakarta", None),
        ("JAKARTA — La Russie", "Jakarta", None),
        ("JAKARTA -- La Russie", "Jakarta", None),
        ("PARIS (Reuters) - The French", "Paris", "Reuters"),
        ("PARIS (Reuters) — The French", "Paris", "Reuters"),
        ("WASHINGTON, Jan 5 (AP) — The Senate", "Washington", "AP"),
        ("WASHINGTON, Jan 5 (AP) - The Senate", "Washington", "AP"),
        ("Londres, 3 mai (AFP) - Le gouvernement", "Londres", "AFP"),
        ("Londres, 3 mai (AFP) – Le gouvernement", "Londres", "AFP"),
        ("NEW YORK - Stocks rose", "New York", None),
        ("SAN FRANCISCO, Calif. (AP) — A judge", "San Francisco, Calif.", "AP"),
    ],
)
def test_dateline_forms(body: str, place: str, agency: str | None) -> None:
    found = find_dateline(body)
    assert found is not None
    assert (found["place"], found["agency"]) == (place, agency)
    assert body[found["end"] :].split()[0] in {"La", "The", "Le", "Stocks", "A"}


def test_dateline_keeps_its_date() -> None:
    assert find_dateline("WASHINGTON, Jan 5 (AP) — x")["date"] == "Jan 5"  # type: ignore[index]


@pytest.mark.parametrize(
    "body",
    [
        "La Russie maintient des communications avec l’Iran.",
        "Paris - the city of light - was quiet.",
        "Washington is - as ever - divided.",
        "Peskov a déclaré que la Russie continuait.",
        "",
    ],
)
def test_no_false_dateline(body: str) -> None:
    assert find_dateline(body) is None


PESKOV = [Mention(0, 13, "Dmitri Peskov", "PER"), Mention(60, 66, "Peskov", "LOC")]


def test_mentions_merge_surname_and_vote_label() -> None:
    (entity,) = merge_mentions([*PESKOV, Mention(90, 96, "Peskov", "PER")])
    assert entity.as_dict() == {
        "text": "Dmitri Peskov",
        "label": "PER",
        "count": 3,
        "first_offset": 0,
        "mentions": ["Dmitri Peskov", "Peskov"],
    }


def test_ambiguous_surname_stays_apart() -> None:
    mentions = [
        Mention(0, 10, "John Smith", "PER"),
        Mention(20, 30, "Jane Smith", "PER"),
        Mention(40, 45, "Smith", "PER"),
    ]
    assert [e.text for e in merge_mentions(mentions)] == ["John Smith", "Jane Smith", "Smith"]


def quotes_of(body: str, *names: tuple[str, str]) -> list[tuple[str | None, str]]:
    """Quotes of ``body`` with each (name, label) tagged where it occurs outside another."""
    mentions: list[Mention] = []
    for name, label in names:
        for match in re.finditer(re.escape(name), body):
            if not any(m.start <= match.start() < m.end for m in mentions):
                mentions.append(Mention(match.start(), match.end(), name, label))
    rows = mention_index(merge_mentions(mentions))
    return [(q["speaker"], q["text"][:12]) for q in find_quotes(body, rows)]


def test_french_quotes_explicit_and_pronoun() -> None:
    body = (
        "Le porte-parole Dmitri Peskov s’est exprimé. « Nous sommes très préoccupés par "
        "la situation », a déclaré Peskov aux journalistes. « La Russie reste en contact "
        "avec Téhéran », a-t-il ajouté."
    )
    found = quotes_of(body, ("Dmitri Peskov", "PER"), ("Peskov", "LOC"))
    assert [speaker for speaker, _ in found] == ["Dmitri Peskov", "Dmitri Peskov"]


def test_french_quote_with_speaker_before() -> None:
    body = "Emmanuel Macron a déclaré : « Nous ne céderons rien sur ce point. »"
    assert quotes_of(body, ("Emmanuel Macron", "PER")) == [("Emmanuel Macron", "Nous ne céde")]


def test_english_quotes_said_according_to_and_continuation() -> None:
    body = (
        "“We will not back down from this fight,” said Jane Doe, the mayor. "
        '"The budget is simply too small for the city," according to John Roe.\n'
        "“It has been this way for a decade now,” Roe said.\n"
        "“And it will get worse next year too.”"
    )
    found = quotes_of(body, ("Jane Doe", "PER"), ("John Roe", "PER"), ("Roe", "PER"))
    assert [speaker for speaker, _ in found] == ["Jane Doe", "John Roe", "John Roe", "John Roe"]


def test_english_pronoun_and_unattributed() -> None:
    body = "“This is a very good day for everyone,” she said. A “scare quote” is not a quote."
    assert quotes_of(body) == [(None, "This is a ve")]


def test_speaker_without_model_is_the_raw_name() -> None:
    body = '"We are raising rates again next month," said Christine Lagarde on Tuesday.'
    assert quotes_of(body) == [("Christine Lagarde", "We are raisi")]


def test_relative_dates_with_publication() -> None:
    text = "Hier, samedi dernier, aujourd’hui, yesterday, last Saturday, on Monday, demain."
    values = [d["value"] for d in find_dates(text, date(2024, 4, 17))]  # a Wednesday
    assert values == [
        "2024-04-16",
        "2024-04-13",
        "2024-04-17",
        "2024-04-16",
        "2024-04-13",
        "2024-04-15",
        "2024-04-18",
    ]


def test_relative_dates_without_publication_stay_unresolved() -> None:
    found = find_dates("L’attaque a eu lieu samedi dernier, a-t-il dit hier.", None)
    assert [(d["text"], d["value"], d["resolved"]) for d in found] == [
        ("samedi dernier", None, False),
        ("hier", None, False),
    ]


def test_absolute_dates() -> None:
    text = "On Jan. 5, 2024, on 17 avril, le 1er avril, March 3rd, 2023-02-14; 31 février."
    found = find_dates(text, date(2024, 4, 17))
    assert [d["value"] for d in found] == [
        "2024-01-05",
        "2024-04-17",
        "2024-04-01",
        "2024-03-03",
        "2023-02-14",
    ]


def test_day_month_takes_the_nearest_year() -> None:
    (found,) = find_dates("le 28 décembre", date(2025, 1, 3))
    assert found["value"] == "2024-12-28"


def test_numbers_with_units() -> None:
    text = "plus de 300 drones, une fillette de 7 ans, 2,5 millions d’euros, 40% et 1,000 people."
    found = [(n["value"], n["unit"]) for n in find_numbers(text)]
    assert found == [(300, "drones"), (7, "ans"), (2_500_000, "euros"), (40, "%"), (1000, "people")]


def test_numbers_skip_dates_and_bare_numbers() -> None:
    text = "le 17 avril, 12 et 5 missiles"
    assert [n["text"] for n in find_numbers(text, skip=[(3, 11)])] == ["5 missiles"]


def test_keywords_multilingual_and_offline() -> None:
    english = (
        "The central bank raised interest rates. The central bank said inflation stays high. "
        "Interest rates will rise again, the central bank warned."
    )
    keywords = extract_keywords(english, "en")
    assert any("central bank" in k.lower() for k in keywords[:2])
    assert all(k.lower() not in {"the", "will"} for k in keywords)
    assert extract_keywords("", "xx") == []


def test_apostrophes_keep_offsets_and_counts() -> None:
    text = "l’Iran n’a pas"
    assert len(normalise_apostrophes(text)) == len(text) and "’" not in normalise_apostrophes(text)
    assert word_count("l’Iran et Amir-Abdollahian") == 3
    assert reading_time_minutes(0) == 0 and reading_time_minutes(231) == 2


@pytest.mark.parametrize("published", [date(1, 1, 1), date(9999, 12, 31), date(1, 1, 3)])
def test_relative_dates_at_the_ends_of_the_calendar_stay_unresolved(published: date) -> None:
    # "yesterday" on 0001-01-01 is no date Python can hold: unresolved, never OverflowError.
    text = "hier, demain, yesterday, tomorrow, samedi dernier, next Saturday, Sunday; 3 janvier"
    found = find_dates(text, published)
    assert len(found) == 8
    for mention in found:
        value = mention["value"]
        assert mention["resolved"] == (value is not None)
        assert value is None or date.fromisoformat(value).year == published.year


@pytest.mark.parametrize("limit", [1, 7, 50, 1000])
def test_chunks_join_back_and_cut_at_paragraph_ends(limit: int) -> None:
    text = "Premier paragraphe, assez court.\nDeuxième paragraphe un peu plus long que lui.\n" * 5
    pieces = split_chunks(text, limit)
    assert "".join(piece for _, piece in pieces) == text
    assert all(text.startswith(piece, start) for start, piece in pieces)
    assert all(len(piece) <= limit for _, piece in pieces)
    if limit >= 50:  # room for a whole paragraph: every cut is after a newline
        assert all(piece.endswith("\n") for _, piece in pieces)


def test_chunks_of_a_short_or_empty_text() -> None:
    assert split_chunks("court", 100) == [(0, "court")]
    assert split_chunks("", 100) == [(0, "")]
    assert split_chunks("x" * 25, 10) == [(0, "x" * 10), (10, "x" * 10), (20, "x" * 5)]
