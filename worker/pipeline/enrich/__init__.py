"""Enrichment of a batch of articles: entities, keywords, dateline, quotes, dates, numbers.

Pure: the spaCy pipelines come in as ``models`` (loaded by ``worker.ingest.nlp``), the clock is
never read (relative dates resolve against each article's ``published_at``), and the
output is plain JSON. Every record says what produced it under ``versions``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import metadata
from typing import Any

from worker.core.models import base_language
from worker.pipeline.enrich.dateline import find_dateline
from worker.pipeline.enrich.dates import find_dates
from worker.pipeline.enrich.entities import mention_index, mentions_from_doc, merge_mentions
from worker.pipeline.enrich.keywords import extract_keywords
from worker.pipeline.enrich.numbers import find_numbers
from worker.pipeline.enrich.quotes import find_quotes
from worker.pipeline.enrich.text import normalise_apostrophes, reading_time_minutes, word_count

# Bump when any stage's output changes for the same input and model.
ENRICH_VERSION = "1.0.0"
KEYWORD_CHARS = 3000

__all__ = ["ENRICH_VERSION", "EnrichInput", "enrich_batch", "model_language"]


@dataclass(frozen=True)
class EnrichInput:
    """What enrichment reads of an article."""

    title: str
    body: str
    language: str | None
    published_at: datetime | None


def model_language(language: str | None) -> str | None:
    """``fr-FR`` / ``fr_FR`` / ``FR`` -> ``fr``: the key of ``models``."""
    return base_language(language)


def enrich_batch(items: Sequence[EnrichInput], models: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One JSON-ready dict per item, in order; NER runs once per language with ``nlp.pipe``."""
    docs = _ner_docs(items, models)
    versions = {language: _versions(nlp) for language, nlp in models.items()}  # once a batch
    no_model = _versions(None)
    return [
        _enrich(item, docs.get(i), versions.get(_key(item), no_model) if i in docs else no_model)
        for i, item in enumerate(items)
    ]


def _key(item: EnrichInput) -> str:
    return model_language(item.language) or ""


def _ner_docs(items: Sequence[EnrichInput], models: Mapping[str, Any]) -> dict[int, Any]:
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        language = model_language(item.language)
        if language is not None and language in models:
            by_language[language].append(i)
    docs: dict[int, Any] = {}
    for language, indices in by_language.items():
        # ’ -> ' keeps offsets and lets the tokenizer split elisions (see text.py).
        texts = (normalise_apostrophes(items[i].body) for i in indices)
        docs.update(zip(indices, models[language].pipe(texts), strict=True))
    return docs


def _enrich(item: EnrichInput, doc: Any, versions: dict[str, str | None]) -> dict[str, Any]:
    language = model_language(item.language)
    entities = merge_mentions(mentions_from_doc(doc)) if doc is not None else []
    published = item.published_at.date() if item.published_at else None
    dates = find_dates(item.body, published)
    words = word_count(item.body)
    return {
        "entities": [e.as_dict() for e in entities],
        "entities_status": "ok"
        if doc is not None
        else f"skipped (no model for {language or 'unknown'})",
        "keywords": extract_keywords(_lead(f"{item.title}\n{item.body}"), language),
        "dateline": find_dateline(item.body),
        "quotes": find_quotes(item.body, mention_index(entities)),
        "dates": dates,
        "numbers": find_numbers(
            item.body, [(d["offset"], d["offset"] + len(d["text"])) for d in dates]
        ),
        "word_count": words,
        "reading_time_minutes": reading_time_minutes(words),
        "versions": dict(versions),  # a copy per record: callers may mutate theirs
    }


def _lead(text: str, limit: int = KEYWORD_CHARS) -> str:
    """The title and the first ~450 words: a news article states its subject up front
    (YAKE weights early words anyway), and it bounds the cost on long articles."""
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)]


def _versions(nlp: Any) -> dict[str, str | None]:
    model = f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}" if nlp else None
    return {"spacy": _spacy_version(), "model": model, "enrich": ENRICH_VERSION}


@lru_cache(maxsize=1)
def _spacy_version() -> str | None:
    try:
        return metadata.version("spacy")
    except metadata.PackageNotFoundError:
        return None
