"""Named entities from a spaCy ``Doc``, cleaned of junk and with mentions merged.

Merging is deliberately conservative: a shorter mention joins a longer person name only
when it is that name's surname (or the whole name) and exactly one known person matches,
so ``Peskov`` joins ``Dmitri Peskov`` but an ambiguous ``Smith`` stays on its own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Every pipeline's labels onto the four of the French (WikiNER) scheme. OntoNotes (English)
# places GPE, LOC and FAC apart; we keep one LOC. A label we do not know becomes MISC.
LABELS = {
    "PER": "PER",
    "PERSON": "PER",
    "ORG": "ORG",
    "LOC": "LOC",
    "GPE": "LOC",
    "FAC": "LOC",
    "MISC": "MISC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
}
# OntoNotes also tags values; dates and numbers have their own fields (dates, numbers).
DROPPED = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "ORDINAL", "CARDINAL"})
_STRIP = " \t\n\"'’«»“”„()[]{},.;:!?-–—"
# A small model sometimes tags a capitalised pronoun at a sentence start as a person.
_PRONOUNS_BY_LANGUAGE = {
    "en": "i you he she it we they me him her us them his its our their",
    "fr": "je tu il elle on nous vous ils elles lui eux leur",
    "de": "er sie es wir ihr ihn ihm",
    "es": "yo él ella ellos ellas nosotros usted ustedes",
    "it": "lei loro noi voi",
    "pt": "ele eles elas nós",
    "nl": "hij zij wij jullie",
}
PRONOUNS = frozenset(w for words in _PRONOUNS_BY_LANGUAGE.values() for w in words.split())
# OntoNotes spans often take the article and the possessive along: "the White House's",
# "The Canadian Red Cross" at a sentence start; "The Hague" (one word after it) keeps it.
_LEADING = re.compile(r"^(?:the\s+|The\s+(?=\S+\s))")
_POSSESSIVE = re.compile(r"['’]s$")
_INITIALS = re.compile(r"(?:[A-Z]\.)+[A-Z]")


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity in the body."""

    start: int
    end: int
    text: str
    label: str


@dataclass
class Entity:
    """A merged entity; ``mentions`` are the surface forms, ``spans`` where they occur."""

    text: str
    labels: Counter[str] = field(default_factory=Counter)
    forms: set[str] = field(default_factory=set)
    spans: list[Mention] = field(default_factory=list)

    @property
    def label(self) -> str:
        # Majority vote: the small model calls one "Peskov" a LOC among four PERs.
        return self.labels.most_common(1)[0][0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "label": self.label,
            "count": len(self.spans),
            "first_offset": min(m.start for m in self.spans),
            "mentions": sorted(self.forms),
        }


def mentions_from_doc(doc: Any, offset: int = 0) -> list[Mention]:
    """Entity spans of ``doc`` with a known label, trimmed and without junk; ``offset`` is
    where the doc's text starts in the body (a chunk of a long body)."""
    found = (_mention(ent.text, offset + ent.start_char, ent.label_) for ent in doc.ents)
    return [m for m in found if m is not None]


# spaCy refuses texts over ``nlp.max_length`` (E088, 1,000,000 by default), and its memory
# grows with the longest text of a batch: a long body goes through NER in pieces of at most
# this, cut at paragraph ends (a few news articles' worth, so names are rarely cut).
CHUNK_CHARS = 20_000


def split_chunks(text: str, limit: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """``text`` as consecutive ``(start, piece)`` of at most ``limit`` characters, cut after
    a newline (a paragraph end) when there is one, else after a space, else anywhere.

    The pieces join back to ``text`` exactly, so offsets shift by ``start`` and no more.
    """
    limit = max(limit, 1)
    pieces: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = start + limit
        if end < len(text):
            cut = max(text.rfind("\n", start, end), -1)
            if cut <= start:
                cut = text.rfind(" ", start, end)
            end = cut + 1 if cut > start else end
        pieces.append((start, text[start:end]))
        start = end
    return pieces or [(0, text)]


def _mention(raw: str, start: int, label: str) -> Mention | None:
    if label in DROPPED:
        return None
    text = _trim(raw)
    if _is_junk(text):
        return None
    offset = start + raw.index(text)
    return Mention(offset, offset + len(text), " ".join(text.split()), LABELS.get(label, "MISC"))


def _trim(raw: str) -> str:
    """Without surrounding punctuation and quote marks, a lower-case leading "the" and a
    trailing possessive, so "the Pentagon's" and "Pentagon" are one entity."""
    text = _POSSESSIVE.sub("", _LEADING.sub("", raw.strip(_STRIP))).strip(_STRIP)
    if _INITIALS.fullmatch(text) and f"{text}." in raw:
        text += "."  # U.S., U.N.: the stripped dot belongs to the name
    return text


def _is_junk(text: str) -> bool:
    """Elided articles (``n’``, ``qu’``), pronouns, bare numbers, quote marks: spans with
    fewer than two letters, a lone pronoun, or an all-lowercase single word."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or text.casefold() in PRONOUNS:
        return True
    return " " not in text and text.islower()


def merge_mentions(mentions: list[Mention]) -> list[Entity]:
    """Group mentions into entities, ordered by first occurrence."""
    persons = _person_names(mentions)
    merged: dict[str, Entity] = {}
    for mention in mentions:
        key = _canonical(mention, persons)
        entity = merged.setdefault(key.casefold(), Entity(text=key))
        entity.labels[mention.label] += 1
        entity.forms.add(mention.text)
        entity.spans.append(mention)
    return sorted(merged.values(), key=lambda e: e.spans[0].start)


def _person_names(mentions: list[Mention]) -> dict[tuple[str, ...], set[str]]:
    """Each ending of a multi-word person name ("peskov", "dmitri peskov") -> the names."""
    endings: dict[tuple[str, ...], set[str]] = {}
    for name in {m.text for m in mentions if m.label == "PER" and " " in m.text}:
        words = tuple(name.casefold().split())
        for i in range(len(words)):
            endings.setdefault(words[i:], set()).add(name)
    return endings


def _canonical(mention: Mention, persons: dict[tuple[str, ...], set[str]]) -> str:
    matches = persons.get(tuple(mention.text.casefold().split()), set())
    return next(iter(matches)) if len(matches) == 1 else mention.text


def mention_index(entities: list[Entity]) -> list[tuple[int, int, str, str]]:
    """(start, end, canonical text, merged label) of every mention, in text order."""
    rows = [(m.start, m.end, e.text, e.label) for e in entities for m in e.spans]
    return sorted(rows)
