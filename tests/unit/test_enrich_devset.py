"""The enrichment development set is well formed, and its scorer counts what it says it does.

Fast: no spaCy, no extraction. The corpus references are checked when ../shared/corpus is
there (the labels refer to texts read from it at run time, never copied).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from bench import _enrich_devset as dev

ARTICLES = dev.load_devset()
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FIELDS = {"set", "id", "language", "kind", "published", "sha256", "chars", "PER", "ORG", "LOC",
          "dateline", "quotes", "dates"}  # fmt: skip


def test_size_languages_and_kinds() -> None:
    assert len(ARTICLES) >= 30
    languages = {a["language"] for a in ARTICLES}
    assert len(languages) >= 5 and {"en", "fr", "de", "es"} <= languages
    assert {a["kind"] for a in ARTICLES} == {"wire", "local"}
    assert len({(a["set"], a["id"]) for a in ARTICLES}) == len(ARTICLES)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["id"][:24])
def test_article_has_every_field(article: dict[str, Any]) -> None:
    assert set(article) >= FIELDS
    assert article["set"] in dev.SETS and article["kind"] in {"wire", "local"}
    date.fromisoformat(article["published"])
    assert (
        re.fullmatch(r"[0-9a-f]{16}", article["sha256"]) and 0 < article["chars"] <= dev.MAX_CHARS
    )
    for kind in dev.ENTITY_TYPES:
        for entity in map(dev.entity_label, article[kind]):
            assert entity["name"].strip() and set(entity) <= {"name", "aka", "also"}
            assert set(entity.get("also", [])) <= set(dev.ENTITY_TYPES) - {kind}
    assert article["dateline"] is None or article["dateline"]["place"].strip()
    for quote in article["quotes"]:
        assert set(quote) == {"text", "speaker"} and len(quote["text"].split()) >= 3
    for day in article["dates"]:
        assert ISO_DAY.fullmatch(day)
        date.fromisoformat(day)


@pytest.mark.skipif(not dev.CORPUS.is_dir(), reason="../shared/corpus is not here")
def test_references_exist_in_the_corpus() -> None:
    corpus = dev.Corpus()
    missing = [f"{a['set']} {a['id']}" for a in ARTICLES if not corpus.has(a)]
    assert not missing


def test_lead_cuts_at_a_line_break() -> None:
    text = "a" * 10 + "\n" + "b" * 10 + "\n" + "c" * 10
    assert dev.lead(text, 40) == text
    assert dev.lead(text, 25) == "a" * 10 + "\n" + "b" * 10
    assert dev.lead("x" * 30, 25) == "x" * 25


def test_normalise() -> None:
    assert dev.normalise("the Pentagon’s ") == dev.normalise("Pentagon") == "pentagon"
    assert dev.normalise("  Tempus   Inc.") == "tempus inc"


# --- a tiny article scored by hand ---------------------------------------------------------

TEXT = (
    'PARIS (AFP) - "We will win this war," said Jean Dupont. Dupont met Marie Curie in Lyon '
    'on Tuesday, a "rather good plan" said the U.S. and the United States. '
    '"It is a good day for all," she added.'
)
LABEL: dict[str, Any] = {
    "PER": ["Jean Dupont", "Marie Curie"],
    "ORG": ["AFP"],
    "LOC": ["Paris", "Lyon", {"name": "United States", "aka": ["U.S."]}],
    "optional": ["Tuesday"],
    "dateline": {"place": "Paris"},
    "quotes": [
        {"text": "We will win", "speaker": "Jean Dupont"},
        {"text": "It is a good day", "speaker": "Marie Curie"},
    ],
    "dates": ["2024-05-07"],
}


def quote(text: str, speaker: str | None) -> dict[str, Any]:
    return {"text": text, "offset": TEXT.index(text), "speaker": speaker}


RESULT: dict[str, Any] = {
    "entities": [
        {"text": "PARIS", "label": "LOC"},  # right (case)
        {"text": "AFP", "label": "ORG"},  # right
        {"text": "Jean Dupont", "label": "PER"},  # right
        {"text": "Dupont", "label": "PER"},  # a surname left unmerged: wrong
        {"text": "Lyon", "label": "ORG"},  # wrong type: ORG wrong, LOC Lyon missed
        {"text": "U.S.", "label": "LOC"},  # right
        {"text": "the United States", "label": "LOC"},  # right, the same place again
        {"text": "Tuesday", "label": "PER"},  # optional: not counted
        {"text": "Europe", "label": "MISC"},  # MISC: not scored
    ],
    "dateline": {"place": "Paris", "agency": "AFP"},
    "quotes": [
        quote("We will win this war,", "Dupont"),  # aligned, speaker right by surname
        quote("rather good plan", None),  # not labelled: a wrong quote, no speaker
        quote("It is a good day for all,", "Jean Dupont"),  # aligned, speaker wrong
    ],
    "dates": [
        {"value": "2024-05-07"},  # right
        {"value": "2024-05-01"},  # wrong
        {"value": "2024-W19"},  # a week: not compared
        {"value": None},  # unresolved: not compared
    ],
}


def counts(score: dev.Score, name: str) -> tuple[int, int, int, int]:
    c = score.fields[name]
    return c.tp, c.fp, c.recall_tp, c.fn


def test_scorer_counts_a_hand_example() -> None:
    score = dev.score_article(LABEL, TEXT, RESULT)
    assert counts(score, "PER") == (1, 1, 1, 1)  # Jean Dupont / Dupont; Marie Curie missed
    assert counts(score, "ORG") == (1, 1, 1, 0)  # AFP / Lyon
    assert counts(score, "LOC") == (3, 0, 2, 1)  # Paris, U.S., United States; Lyon missed
    assert counts(score, "dateline") == (1, 0, 1, 0)
    assert counts(score, "quotes") == (2, 1, 2, 0)
    assert counts(score, "speakers") == (1, 1, 1, 1)
    assert counts(score, "dates") == (1, 1, 1, 0)
    loc = score.fields["LOC"]
    assert (loc.precision, loc.recall) == (1.0, 2 / 3)
    per = score.fields["PER"]
    assert (per.precision, per.recall) == (0.5, 0.5)
    assert score.fields["quotes"].precision == pytest.approx(2 / 3)


def test_scores_add_up_over_articles() -> None:
    total = dev.Score()
    total.add(dev.score_article(LABEL, TEXT, RESULT))
    nothing = {"entities": [], "dateline": None, "quotes": [], "dates": []}
    total.add(dev.score_article(LABEL, TEXT, nothing))
    loc = total.fields["LOC"]
    assert (loc.tp, loc.fp, loc.recall_tp, loc.fn) == (3, 0, 2, 4)
    assert (loc.precision, loc.recall) == (1.0, 2 / 6)
    dateline = total.fields["dateline"]
    assert (dateline.precision, dateline.recall) == (1.0, 0.5)
    speakers = total.fields["speakers"]
    assert (speakers.precision, speakers.recall) == (0.5, 0.25)


def test_a_wrong_dateline_is_wrong_both_ways() -> None:
    label = {**LABEL, "dateline": {"place": "Hayward, Calif."}}
    right = dev.score_article(label, TEXT, {**RESULT, "dateline": {"place": "HAYWARD"}})
    assert counts(right, "dateline") == (1, 0, 1, 0)
    wrong = dev.score_article(label, TEXT, {**RESULT, "dateline": {"place": "Calif."}})
    assert counts(wrong, "dateline") == (0, 1, 0, 1)
    none = dev.score_article({**LABEL, "dateline": None}, TEXT, RESULT)
    assert counts(none, "dateline") == (0, 1, 0, 0)
