"""Enrichment of a batch of articles: entities, keywords, dateline, quotes, dates, numbers.

Pure: the spaCy pipelines come in as ``models`` (loaded by ``worker.ingest.nlp``), the clock is
never read (relative dates resolve against each article's ``published_at``), and the
output is plain JSON. Every record says what produced it under ``versions``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import metadata
from typing import Any

from worker.core.models import base_language
from worker.pipeline.enrich.dateline import find_dateline, place_span
from worker.pipeline.enrich.dates import find_dates
from worker.pipeline.enrich.entities import (
    CHUNK_CHARS,
    Mention,
    mention_index,
    mentions_from_doc,
    merge_mentions,
    split_chunks,
    without_common_words,
    without_heading_words,
)
from worker.pipeline.enrich.keywords import extract_keywords
from worker.pipeline.enrich.numbers import find_numbers
from worker.pipeline.enrich.quotes import find_quotes
from worker.pipeline.enrich.text import normalise_apostrophes, reading_time_minutes, word_count

# Bump when any stage's output changes for the same input and model.
ENRICH_VERSION = "1.4.18"
KEYWORD_CHARS = 3000
# Characters per ``nlp.pipe`` batch. spaCy's default of 1,000 texts held 2 GB for 300 short
# articles and 3.7 GB for one 1.2 M-character body in 100,000-character chunks; batches of
# about this size peak near the model's own size, and run faster too (bench: 5.2 s vs 8.7 s).
PIPE_CHARS = 50_000

__all__ = ["ENRICH_VERSION", "EnrichInput", "enrich_batch", "model_language", "model_versions"]


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
    found = _ner_mentions(items, models)
    versions = {language: model_versions(nlp) for language, nlp in models.items()}  # once a batch
    no_model = model_versions(None)
    return [
        _enrich(item, found.get(i), versions.get(_key(item), no_model) if i in found else no_model)
        for i, item in enumerate(items)
    ]


def _key(item: EnrichInput) -> str:
    return model_language(item.language) or ""


def _ner_mentions(
    items: Sequence[EnrichInput], models: Mapping[str, Any]
) -> dict[int, list[Mention]]:
    """Entity mentions per item index, for the items whose language has a model."""
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        language = model_language(item.language)
        if language is not None and language in models:
            by_language[language].append(i)
    found: dict[int, list[Mention]] = {}
    for language, indices in by_language.items():
        bodies = [(i, items[i].body) for i in indices]
        found.update(_mentions(models[language], bodies, language))
    return found


Job = tuple[int, int, str]  # item index, where the piece starts in its body, the piece


def _mentions(nlp: Any, bodies: list[tuple[int, str]], language: str) -> dict[int, list[Mention]]:
    """NER over every body, long ones in chunks cut on paragraph ends (spaCy refuses a text
    over ``nlp.max_length``); a chunk's offsets are shifted by where it starts, so the
    mentions are those of the whole body."""
    limit = min(CHUNK_CHARS, getattr(nlp, "max_length", CHUNK_CHARS))
    found: dict[int, list[Mention]] = {i: [] for i, _ in bodies}
    # ’ -> ' keeps offsets and lets the tokenizer split elisions (see text.py).
    jobs = [
        (i, start, piece)
        for i, body in bodies
        for start, piece in split_chunks(normalise_apostrophes(body), limit)
    ]
    for group in _groups(jobs, PIPE_CHARS):
        docs = nlp.pipe([piece for _, _, piece in group], batch_size=len(group))
        for (i, start, piece), doc in zip(group, docs, strict=True):
            found[i].extend(mentions_from_doc(doc, start, piece))
    return {
        i: without_heading_words(
            body,
            without_common_words(body, _dateline_mentions(nlp, body, found[i]), language),
            language,
        )
        for i, body in bodies
    }


def _dateline_mentions(nlp: Any, body: str, mentions: list[Mention]) -> list[Mention]:
    """The dateline's place is a place, whatever the model said ("HALIFAX" as ORG), and a
    span running over the dateline's dash ("LYON - Emmanuel Macron" as one LOC) is cut there:
    the place is kept and the rest of the sentence is read again without the dateline, so
    the name after it gets the label the model gives it in running text. A place the model
    missed ("MADRID —" in capitals) is a place all the same."""
    span = place_span(body)
    if span is None:
        return mentions
    start, end, dash_end = span
    place = Mention(start, end, body[start:end], "LOC")
    kept: list[Mention] = []
    for mention in mentions:
        if mention.start < dash_end < mention.end:
            kept += [place, *_reread(nlp, body, dash_end, mention.end)]
        elif mention.start < end and start < mention.end:
            kept.append(place)
        else:
            kept.append(mention)
    if place not in kept:
        kept.insert(0, place)
    return [m for n, m in enumerate(kept) if m is not place or place not in kept[:n]]


def _reread(nlp: Any, body: str, start: int, until: int) -> list[Mention]:
    """Mentions of ``body`` from ``start`` to the sentence end that begin before ``until``."""
    stop = min((i for i in (body.find(c, until) for c in ".\n") if i >= 0), default=len(body))
    piece = normalise_apostrophes(body[start : stop + 1])
    return [m for m in mentions_from_doc(nlp(piece), start, piece) if m.start < until]


def _groups(jobs: list[Job], budget: int) -> Iterator[list[Job]]:
    """Consecutive jobs of at most ``budget`` characters together (one job may be more)."""
    group: list[Job] = []
    size = 0
    for job in jobs:
        if group and size + len(job[2]) > budget:
            yield group
            group, size = [], 0
        group.append(job)
        size += len(job[2])
    if group:
        yield group


def _enrich(
    item: EnrichInput, mentions: list[Mention] | None, versions: dict[str, str | None]
) -> dict[str, Any]:
    language = model_language(item.language)
    entities = merge_mentions(mentions) if mentions is not None else []
    published = item.published_at.date() if item.published_at else None
    dates = find_dates(item.body, published, language)
    words = word_count(item.body)
    return {
        "entities": [e.as_dict() for e in entities],
        "entities_status": "ok"
        if mentions is not None
        else f"skipped (no model for {language or 'unknown'})",
        "keywords": extract_keywords(_lead(f"{item.title}\n{item.body}"), language),
        "dateline": find_dateline(item.body),
        "quotes": find_quotes(item.body, mention_index(entities), language),
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


def model_versions(nlp: Any) -> dict[str, str | None]:
    """What a record enriched with ``nlp`` (None: no model) says under ``versions``."""
    model = f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}" if nlp else None
    return {"spacy": _spacy_version(), "model": model, "enrich": ENRICH_VERSION}


@lru_cache(maxsize=1)
def _spacy_version() -> str | None:
    try:
        return metadata.version("spacy")
    except metadata.PackageNotFoundError:
        return None
