"""What tells one event from another across languages: a vector and the evidence beside it.

Pure: the encoder comes in (anything with ``encode(list[str]) -> array``, loaded by
``worker.ingest.encoder``), no clock is read. The vector is the title and lead (the first
two sentences) embedded by a multilingual sentence encoder. The evidence is what such an
encoder misses or blurs:

- names, as spelling-free keys: transliterated to Latin (anyascii), case and accents
  dropped, then a consonant skeleton (``Putin``, ``Poutine`` and ``Путин`` are ``ptn``;
  ``Sergei``, ``Sergueï`` and ``Sergey`` are ``srg``). From the entities enrichment found
  and from the words written with a capital inside the lead's sentences (a language
  without a NER model still has names);
- numbers of the title and lead (thousands separators and decimal commas read), years and
  numbers under 10 left out;
- the dateline's place, as a key;
- the moment (``published_at``), when the article has one.

The scoring of two signatures lives in ``pipeline.story_score``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

import numpy as np
from anyascii import anyascii

from worker.core.models import base_language
from worker.core.story import StorySig
from worker.pipeline.enrich.calendar_words import MONTHS, WEEKDAYS, fold
from worker.pipeline.enrich.dateline import find_dateline
from worker.pipeline.enrich.stopwords import stop_words

STORY_VERSION = "1"  # bump when the signature changes for the same input
LEAD_SENTENCES = 2
LEAD_CHARS = 400
MAX_NAMES = 40

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»”’)]*\s+|\n+")
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:[-'’][^\W\d_]+)*")
_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f.,]\d+)*")
_OPENERS = "\"'«“‘(["
# Wire agencies name the outlet, not the event; months and weekdays name the calendar.
AGENCIES = frozenset(
    {
        "reuters", "afp", "ap", "dpa", "efe", "ansa", "kyodo", "xinhua", "tass", "ria", "antara",
        "bernama", "yonhap", "bloomberg", "upi", "apa", "sda", "belga", "anp", "kompas", "detik",
    }
)  # fmt: skip


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> Any: ...


def lead(title: str, body: str) -> str:
    """The title and the first sentences of the body (the dateline kept: it names a place)."""
    sentences = [s for s in _SENTENCE_END.split(body.strip(), maxsplit=LEAD_SENTENCES) if s]
    text = " ".join(sentences[:LEAD_SENTENCES])
    if len(text) > LEAD_CHARS:
        cut = text.rfind(" ", 0, LEAD_CHARS)
        text = text[: cut if cut > 0 else LEAD_CHARS]
    return f"{title.strip()}. {text}" if title.strip() else text


def name_key(word: str) -> str | None:
    """A name's key across scripts and spellings (None: too short to tell anything)."""
    w = re.sub(r"[^a-z]", "", anyascii(word).lower())
    if len(w) < 3:
        return None
    w = w.replace("ph", "f").replace("w", "v").replace("x", "s")
    w = re.sub(r"[cq]", "k", w)
    w = re.sub(r"([^aeiouy])h", r"\1", w)  # kh -> k, sh -> s, th -> t
    key = w[0] + re.sub(r"[aeiouy]", "", w[1:])
    key = re.sub(r"(.)\1+", r"\1", key)
    key = key[:-1] if key.endswith("v") and len(key) > 3 else key  # Moskva, Moscou
    return key if len(key) >= 2 else None


def names_of(text: str, entities: Sequence[dict[str, Any]], language: str | None) -> list[str]:
    """Keys of the entity words and of the capitalised words inside the sentences of ``text``."""
    stops = stop_words(base_language(language))
    words: list[str] = []
    for entity in entities:
        words.extend(_WORD.findall(str(entity.get("text", ""))))
    for sentence in _SENTENCE_END.split(text):
        found = list(_WORD.finditer(sentence))
        for n, match in enumerate(found):
            word = match.group()
            if n == 0 or not word[0].isupper() or word.lower() in stops:
                continue
            if sentence[: match.start()].rstrip()[-1:] in _OPENERS and n == 1:
                continue
            words.append(word)
    keys: list[str] = []
    for word in words:
        folded = fold(word)
        if folded in stops.hard or folded in AGENCIES or folded in MONTHS or folded in WEEKDAYS:
            continue
        key = name_key(word)
        if key and key not in keys:
            keys.append(key)
    return keys[:MAX_NAMES]


def numbers_of(text: str) -> list[str]:
    """Numbers as values (``40,000``, ``40.000`` and ``40 000`` are ``40000``; ``2,4`` is
    ``2.4``), without years and whole numbers under 10 (counts of everything)."""
    found: list[str] = []
    for match in _NUMBER.finditer(text):
        value = _value(match.group())
        whole = value is not None and value == int(value)
        if value is None or (whole and (value < 10 or 1900 <= value <= 2100)):
            continue
        shown = f"{value:g}"
        if shown not in found:
            found.append(shown)
    return found


def _value(raw: str) -> float | None:
    parts = re.split(r"[ \u00a0\u202f.,]", raw)
    try:
        if len(parts) > 1 and all(len(p) == 3 for p in parts[1:]):
            return float("".join(parts))  # thousands separators
        if len(parts) == 2:
            return float(f"{parts[0]}.{parts[1]}")  # a decimal point or comma
        return float(parts[0])
    except ValueError:
        return None


def evidence(
    title: str,
    body: str,
    language: str | None,
    enrichment: dict[str, Any],
    published_at: datetime | date | None,
) -> dict[str, Any]:
    """The JSON-ready evidence of one article."""
    text = lead(title, body)
    dateline = enrichment.get("dateline") or find_dateline(body)
    place = name_key(str(dateline["place"]).split(",")[0]) if dateline else None
    opening = lead("", body)  # names from the body: headlines capitalise every word
    entities = [e for e in enrichment.get("entities", []) if isinstance(e, dict)]
    early = [e for e in entities if int(e.get("offset", 0) or 0) < len(opening)]
    return {
        "names": names_of(opening, early, language),
        "numbers": numbers_of(text),
        "place": place,
        "at": published_at.isoformat() if published_at is not None else None,
        "language": base_language(language),
        "title": title[:300],
        "version": STORY_VERSION,
    }


def sign_batch(
    items: Sequence[tuple[str, str, str | None, dict[str, Any], datetime | date | None]],
    encoder: Encoder,
) -> list[StorySig]:
    """One signature per (title, body, language, enrichment, published_at), in order; the
    encoder runs once over the whole batch."""
    if not items:
        return []
    texts = [lead(title, body) for title, body, *_ in items]
    vectors = np.asarray(encoder.encode(texts), dtype=np.float32).reshape(len(texts), -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float16)
    return [
        StorySig(vector.tobytes(), evidence(*item))
        for item, vector in zip(items, vectors, strict=True)
    ]
