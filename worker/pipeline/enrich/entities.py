"""Named entities from a spaCy ``Doc``, cleaned of junk and with mentions merged.

Merging is deliberately conservative: a shorter mention joins a longer person name only
when it is that name's surname (or the whole name) and exactly one known person matches,
so ``Peskov`` joins ``Dmitri Peskov`` but an ambiguous ``Smith`` stays on its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

LABELS = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC"}
_STRIP = " \t\n\"'’«»“”()[]{},.;:!?-–—"


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


def mentions_from_doc(doc: Any) -> list[Mention]:
    """Entity spans of ``doc`` with a known label, trimmed and without junk."""
    found = (_mention(ent.text, ent.start_char, ent.label_) for ent in doc.ents)
    return [m for m in found if m is not None]


def _mention(raw: str, start: int, label: str) -> Mention | None:
    text = raw.strip(_STRIP)
    if _is_junk(text):
        return None
    offset = start + raw.index(text)
    return Mention(offset, offset + len(text), " ".join(text.split()), LABELS.get(label, "MISC"))


def _is_junk(text: str) -> bool:
    """Elided articles (``n’``, ``qu’``) and one-letter or all-lowercase one-word spans."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2:
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
