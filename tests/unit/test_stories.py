"""Stories: spelling-free names, numbers, the scorer on hard cases (real encoder), and the
assignment in the store's commit (SQLite): joins, new stories, revisions, merges, enrichment
off, redelivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.stages import run_batch
from worker.core.models import Kind, RawItem
from worker.ingest.encoder import load_encoder
from worker.ingest.nlp import models_for
from worker.pipeline.enrich import EnrichInput, enrich_batch
from worker.pipeline.language import detect_language
from worker.pipeline.prepare import Deps
from worker.pipeline.story import name_key, numbers_of, sign_batch
from worker.pipeline.story_score import cosine, same_story
from worker.store import Store
from worker.store.reports import Filters

DEVSET = Path(__file__).resolve().parents[2] / "bench" / "stories_devset.json"


@pytest.mark.parametrize(
    "spellings",
    [
        ("Putin", "Poutine", "Путин"),
        ("Sergei", "Sergueï", "Sergey", "Сергей"),
        ("Peskov", "Peskow", "Песков"),
        ("Zelensky", "Zelenskyy", "Zelenski", "Зеленский"),
        ("Bruxelles", "Brussels"),
        ("Moscou", "Moscow", "Moskva", "Москва"),
    ],
)
def test_one_name_in_every_spelling_has_one_key(spellings: tuple[str, ...]) -> None:
    assert len({name_key(s) for s in spellings}) == 1, [name_key(s) for s in spellings]


def test_different_names_keep_different_keys() -> None:
    keys = [name_key(w) for w in ("Jakarta", "Subang", "Agam", "Iran", "Israel", "Tesla")]
    assert len(set(keys)) == len(keys)


def test_numbers_are_read_as_values_in_every_notation() -> None:
    assert numbers_of("40,000 people, 40.000 Menschen, 40 000 personnes") == ["40000"]
    assert numbers_of("2,2 millions, 2.2 million, magnitude 7,4") == ["2.2", "7.4"]
    assert numbers_of("in 2024, 3 dead, 11 injured") == ["11"]


@cache
def devset() -> dict[str, tuple[bytes, dict[str, Any]]]:
    rows = json.loads(DEVSET.read_text(encoding="utf-8"))
    languages = [detect_language(f"{r['title']}\n{r['body']}")[0] for r in rows]
    moments = [datetime.fromisoformat(r["published_at"]) for r in rows]
    inputs = [
        EnrichInput(r["title"], r["body"], lang, at)
        for r, lang, at in zip(rows, languages, moments, strict=True)
    ]
    enrichments = enrich_batch(inputs, models_for(languages))
    items = [
        (r["title"], r["body"], lang, e, at)
        for r, lang, e, at in zip(rows, languages, enrichments, moments, strict=True)
    ]
    sigs = sign_batch(items, load_encoder())
    return {r["id"]: (s.vector, s.evidence) for r, s in zip(rows, sigs, strict=True)}


def same(a: str, b: str) -> bool:
    (va, ea), (vb, eb) = devset()[a], devset()[b]
    return same_story(cosine(va, vb), ea, eb)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("kremlin-en", "peskov-ukraine-en"),  # the same spokesman, another subject, next day
        ("kremlin-fr", "peskov-ukraine-fr"),
        ("bus-java-id", "bus-sumatra-id"),  # a second bus accident, another province
        ("bus-java-en", "bus-sumatra-en"),
        ("tesla-recall-de", "tesla-price-de"),  # the same company's other announcement
        ("tesla-recall-en", "tesla-price-en"),
        ("quake-en", "quake-japan-en"),  # another earthquake the next day
        ("ecb-fr", "lagarde-euro-fr"),  # the same central banker on another subject
    ],
)
def test_hard_negatives_stay_apart(a: str, b: str) -> None:
    assert not same(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("kremlin-fr", "kremlin-id"),  # French and Indonesian, Poutine / Putin
        ("kremlin-fr", "kremlin-en"),
        ("kremlin-id", "kremlin-en"),
        ("bus-java-id", "bus-java-en"),
        ("bus-java-en", "bus-java-fr"),
        ("quake-fr", "quake-es"),
        ("tesla-recall-en", "tesla-recall-es"),
        ("ecb-en", "ecb-fr"),
    ],
)
def test_reports_of_one_event_in_two_languages_join(a: str, b: str) -> None:
    assert same(a, b)


# --- the assignment in the commit, with an encoder whose vectors the test chooses ---------


class TopicEncoder:
    """A vector per topic word found in the text: same topic, cosine 1; others, 0."""

    TOPICS = ("harbour", "strike", "museum", "flood")

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for n, text in enumerate(texts):
            hits = [i for i, t in enumerate(self.TOPICS) if t in text.lower()] or [7]
            out[n, hits] = 1.0
        return out


def item(key: str, title: str, body: str, url: str | None = None) -> RawItem:
    record = {"title": title, "body": body, **({"url": url} if url else {})}
    return RawItem(item_key=key, source="t", kind=Kind.RECORD, payload={"record": record})


HARBOUR = (
    "PORTSMOUTH - The harbour of Portsmouth reopened on Thursday after repairs to the Sea Wall."
)
HARBOUR_FR = "PORTSMOUTH - Le port de Portsmouth (harbour) a rouvert jeudi après la réparation."
STRIKE = "LONDON - Rail workers in London voted for a strike over pay, the RMT union said."


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store(f"sqlite:///{tmp_path}/s.db")
    yield s
    s.close()


def commit(store: Store, *items: RawItem, enrich: bool = True) -> list[Any]:
    now = datetime.now(UTC)
    deps = Deps(models={}, enrich=enrich, encoder=TopicEncoder() if enrich else None)
    return store.commit(run_batch(items, deps, now), now)


def stories_of(store: Store, **filters: Any) -> dict[str, str | None]:
    return {r["id"]: r["story_id"] for r in store.export(where=Filters(**filters))}


def test_reports_of_one_event_share_a_story_and_others_get_their_own(store: Store) -> None:
    commit(store, item("a", "Harbour reopens", HARBOUR), item("b", "Strike", STRIKE))
    commit(store, item("c", "Le port rouvre", HARBOUR_FR))
    found = stories_of(store)
    assert found == {"a": "s-a", "b": "s-b", "c": "s-a"}
    assert sorted(stories_of(store, story="s-a")) == ["a", "c"]
    listed = {s["id"]: s for s in store.stories()}
    assert listed["s-a"]["articles"] == 2 and listed["s-a"]["languages"] == ["en", "fr"]


def test_a_revision_carries_its_story_and_a_redelivery_changes_nothing(store: Store) -> None:
    url = "https://news.example.org/harbour"
    first = commit(store, item("a", "Harbour reopens", HARBOUR, url))
    commit(store, item("b", "Harbour reopens", HARBOUR + " Updated at noon with more.", url))
    assert commit(store, item("a", "Harbour reopens", HARBOUR, url)) == first
    assert stories_of(store) == {"a": "s-a", "b": "s-a"}


def test_with_enrichment_off_the_story_is_null(store: Store) -> None:
    commit(store, item("a", "Harbour reopens", HARBOUR), enrich=False)
    assert stories_of(store) == {"a": None}


def test_an_article_linking_two_stories_merges_them_ids_unchanged(store: Store) -> None:
    from sqlalchemy import select

    from worker.store.schema import articles

    commit(store, item("a", "Harbour", HARBOUR))
    commit(store, item("b", "Strike", STRIKE))
    linking = (
        "PORTSMOUTH - Rail workers in London voted for a strike at the harbour of Portsmouth "
        "after the Sea Wall repairs, the RMT union said."
    )
    commit(store, item("c", "Harbour strike", linking))
    with store.engine.connect() as conn:
        written = dict(conn.execute(select(articles.c.id, articles.c.story_id)).all())
    assert written == {"a": "s-a", "b": "s-b", "c": "s-a"}  # never rewritten
    assert set(stories_of(store).values()) == {"s-a"}  # readers see the survivor
    assert sorted(stories_of(store, story="s-b")) == ["a", "b", "c"]
