"""What tells one event from another across languages: a vector and the evidence beside it.

Pure: the encoder comes in (anything with ``encode(list[str]) -> array``, loaded by
``worker.ingest.encoder``), no clock is read. The vector is the title and lead (the first
two sentences) embedded by a multilingual sentence encoder. The evidence is what such an
encoder misses or blurs:

- names, as spelling-free keys: transliterated to Latin (anyascii), case and accents
  dropped, then a consonant skeleton (``Putin``, ``Poutine`` and ``Путин`` are ``ptn``;
  ``Sergei``, ``Sergueï`` and ``Sergey`` are ``srg``). From the entities enrichment found,
  the words written with a capital inside the lead's sentences (a language without a NER
  model still has names) and katakana runs (Japanese has no capitals); elided articles
  and suffixes glued by an apostrophe dropped (``d'Oman``, ``NATO'ya``);
- the keys of every other word of the title and lead, for a name another outlet writes
  lower case or at the head of a sentence;
- numbers of the title and lead (thousands separators and decimal commas read), years,
  numbers under 10, days of the month and codes (``A320``) left out;
- the dateline's place, as a key (kept apart from the names);
- the days the lead names (the date stage's resolved mentions: "on Sunday", "21 июля"), the
  dateline's date and the fragments before the first sentence left out (they date the
  report, not the event);
- the moment (``published_at``), when the article has one.

The lead skips fragments (a dateline cut at its full stops, "am 28." before "Juli") so
that it still holds two sentences of the story.

Also: Han character pairs (Chinese and Japanese), and whether the encoder reads the text.
Numbers are read in ``pipeline.story_numbers``; two signatures scored in ``story_score``.
"""

from __future__ import annotations

import itertools
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
from worker.pipeline.enrich.text import LEADING_ELISION
from worker.pipeline.scripts import ARABIC, CYRILLIC, HAN, HANGUL, KANA, LATIN, THAI
from worker.pipeline.story_numbers import numbers_of

STORY_VERSION = "6"  # bump when the signature changes for the same input
LEAD_SENTENCES = 2
# Fewer words than this is a fragment, not a sentence: a dateline ("ПЕКИН, 16 мая.", "/ТАСС/.")
# or the tail of a cut at an ordinal ("am 28. Juli").
MIN_SENTENCE_WORDS = 4
LEAD_CHARS = 400
MAX_NAMES = 40
MAX_WORDS = 120
MAX_DAYS = 4
# Shorter keys of plain words collide too often (said, Suède and sud are all "sd").
WORD_KEY_MIN = 4

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»”’)]*\s+|\n+")
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:[-'’][^\W\d_]+)*")
_OPENERS = "\"'«“‘(["
# An elided article glued to the word it precedes (d'Oman, l'Otan, dell'Europa), and a
# suffix glued to a name (NATO'ya, İsveç'in, Venezuela's).
_SUFFIX = re.compile(r"(?<=[^\W\d_]{2})['’]([^\W\d_]{1,5})$")
# Japanese writes foreign names (people, places, companies) in katakana: a run of it is a
# name candidate in a script without capitals.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]{2,}")
# Han characters, which Chinese and Japanese share (鬼怒川, 安倍晋三, 能登): read by their
# Mandarin syllable, simplified, traditional and Japanese forms of one character are one
# key (产 and 産 are both "chan").
_HAN = re.compile(f"[{HAN}]+")
MAX_HAN = 80
# The languages the story encoder (Google's multilingual USE v3) was trained on, and the
# letters of their scripts: a report in another language written in them (Indonesian,
# Ukrainian, Persian) shares names and loanwords with them through the encoder's subwords;
# one in another script (Hindi, Bengali, Greek, Hebrew) gets a vector that says little of
# its event, and two unrelated such reports can be as near as two copies.
ENCODER_LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)
_ENCODER_SCRIPTS = re.compile(f"[{LATIN}{CYRILLIC}{ARABIC}{KANA}{HAN}{HANGUL}{THAI}]")
_LETTER = re.compile(r"[^\W\d_]")
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
    taken: list[str] = []
    counted = 0
    for sentence in _SENTENCE_END.split(body.strip()):
        if not sentence:
            continue
        taken.append(sentence)
        counted += len(sentence.split()) >= MIN_SENTENCE_WORDS
        if counted >= LEAD_SENTENCES or sum(map(len, taken)) > LEAD_CHARS:
            break
    text = " ".join(taken)
    if len(text) > LEAD_CHARS:
        cut = text.rfind(" ", 0, LEAD_CHARS)
        text = text[: cut if cut > 0 else LEAD_CHARS]
    return f"{title.strip()}. {text}" if title.strip() else text


def name_key(word: str) -> str | None:
    """A name's key across scripts and spellings (None: too short to tell anything)."""
    w = re.sub(r"[^a-z]", "", anyascii(word).lower())
    if len(w) < 3:
        return None
    # German writes sch what English writes sh (Schweden, Sweden)
    w = w.replace("sch", "sh").replace("ph", "f").replace("w", "v").replace("x", "s")
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
        words.extend(bare(w) for w in _WORD.findall(str(entity.get("text", ""))))
    words.extend(_KATAKANA.findall(text))
    for sentence in _SENTENCE_END.split(text):
        found = list(_WORD.finditer(sentence))
        for n, match in enumerate(found):
            word = bare(match.group())
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


def bare(word: str) -> str:
    """``word`` without an elided article in front (``d'Oman`` is ``Oman``) or a case or
    possessive suffix behind a name (``NATO'ya`` is ``NATO``)."""
    front = LEADING_ELISION.match(word)
    if front and (front.group(1).islower() or len(front.group(1)) == 1):
        word = word[front.end() :]
    back = _SUFFIX.search(word)
    if back and back.group(1).islower() and word[:1].isupper():
        word = word[: back.start()]
    return word


def word_keys(text: str, language: str | None) -> list[str]:
    """Keys of every word of ``text`` that is not a stop word, whatever its case: another
    outlet may write a name lower case (parliament / Parlement) or open a sentence with it."""
    stops = stop_words(base_language(language))
    keys: list[str] = []
    for word in map(bare, _WORD.findall(text)):
        if fold(word) in stops:
            continue
        key = name_key(word)
        if key and len(key) >= WORD_KEY_MIN and key not in keys:
            keys.append(key)
    return keys[:MAX_WORDS]


def han_pairs(text: str) -> list[str]:
    """Every two adjacent Han characters of ``text``, as their syllables (``安倍`` is
    ``an bei``): Chinese and Japanese write names and words without spaces, so the pairs
    two reports share stand for the names they share."""
    found: dict[str, None] = {}
    for run in _HAN.findall(text):
        syllables = [anyascii(c).lower() for c in run]
        for first, second in itertools.pairwise(syllables):
            found.setdefault(f"{first} {second}")
            if len(found) >= MAX_HAN:
                return list(found)
    return list(found)


def encoder_reads(text: str, language: str | None) -> bool:
    """Whether the story encoder reads ``text``: its language is one of the encoder's, or
    most of its letters are in their scripts (a text without letters: yes)."""
    if base_language(language) in ENCODER_LANGUAGES:
        return True
    letters = len(_LETTER.findall(text))
    return not letters or 2 * len(_ENCODER_SCRIPTS.findall(text)) > letters


def lead_span(body: str) -> tuple[int, int]:
    """Where, in ``body``, the sentences ``lead`` takes start and end: the fragments before
    the first sentence (a dateline, "/ТАСС/.") left out."""
    cuts = [x for match in _SENTENCE_END.finditer(body) for x in (match.start(), match.end())]
    bounds = [0, *cuts, len(body)]
    start: int | None = None
    end = counted = 0
    for begin, stop in zip(bounds[::2], bounds[1::2], strict=True):
        words = len(body[begin:stop].split())
        if start is None and words < MIN_SENTENCE_WORDS:
            continue
        start = begin if start is None else start
        end = stop
        counted += words >= MIN_SENTENCE_WORDS
        if counted >= LEAD_SENTENCES or end - start > LEAD_CHARS:
            break
    return (start or 0), min(end, (start or 0) + LEAD_CHARS)


def days_of(body: str, dates: Sequence[Any], after: int = 0) -> list[str]:
    """The days (ISO) of the date stage's resolved mentions inside the lead of ``body`` and
    past ``after`` (the dateline's end): the day the report says the event happened on."""
    start, end = lead_span(body)
    found: list[str] = []
    for mention in dates:
        value = str(mention.get("value") or "") if isinstance(mention, dict) else ""
        offset = mention.get("offset") if value and mention.get("resolved") else None
        if not isinstance(offset, int) or not max(start, after) <= offset < end:
            continue
        if _DAY.fullmatch(value) and value not in found:  # a month or a year is no day
            found.append(value)
    return found[:MAX_DAYS]


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
    city = str(dateline.get("place") or "").split(",")[0] if dateline else ""
    place = name_key(city) if city else None
    opening = lead("", body)  # names from the body: headlines capitalise every word
    entities = [e for e in enrichment.get("entities", []) if isinstance(e, dict)]
    early = [e for e in entities if int(e.get("offset", 0) or 0) < len(opening)]
    # The dateline names where the outlet writes from (JAKARTA, WASHINGTON), shared by its
    # reports of every event there: compared as the place, not as a name.
    names = [k for k in names_of(opening, early, language) if k != place]
    return {
        "names": names,
        "words": word_keys(text, language),
        "han": han_pairs(text),
        "numbers": numbers_of(text),
        "place": place,
        "place_words": [k for k in map(name_key, _WORD.findall(city)) if k],
        "days": days_of(
            body, enrichment.get("dates") or [], int(dateline["end"]) if dateline else 0
        ),
        "at": published_at.isoformat() if published_at is not None else None,
        "language": base_language(language),
        "read": encoder_reads(text, language),
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
