"""Entity mentions merged into entities, and the entities' mentions indexed in text order.

Merging is deliberately conservative: a shorter mention joins a longer person name only
when it is that name's surname (or the whole name) and exactly one known person matches,
so ``Peskov`` joins ``Dmitri Peskov`` but an ambiguous ``Smith`` stays on its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from worker.pipeline.enrich.entity_mentions import Mention
from worker.pipeline.enrich.entity_rules import PARTICLES, without_capital_article


@dataclass
class Entity:
    """A merged entity; ``mentions`` are the surface forms, ``spans`` where they occur."""

    text: str
    labels: Counter[str] = field(default_factory=Counter)
    own: Counter[str] = field(default_factory=Counter)  # the labels of the full form alone
    forms: set[str] = field(default_factory=set)
    spans: list[Mention] = field(default_factory=list)

    @property
    def label(self) -> str:
        # Majority vote: the small model calls one "Peskov" a LOC among four PERs. The full
        # form votes first: it is what the model reads best ("Gordon Sondland" is a person
        # even when each "Sondland" alone is read as a place).
        return (self.own or self.labels).most_common(1)[0][0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "label": self.label,
            "count": len(self.spans),
            "first_offset": min(m.start for m in self.spans),
            "mentions": sorted(self.forms),
        }


def merge_mentions(mentions: list[Mention]) -> list[Entity]:
    """Group mentions into entities, ordered by first occurrence; a one-word person the
    model read only where any capitalised word opens a sentence is dropped."""
    persons = _person_names(mentions)
    tails = _name_tails(mentions)
    texts = {m.text for m in mentions}
    merged: dict[str, Entity] = {}
    for mention in mentions:
        key = _canonical(mention, persons, tails)
        bare = without_capital_article(key)
        if bare != key and bare in texts:  # "La Tunisie" at a sentence start, "Tunisie"
            key = bare
        entity = merged.setdefault(key.casefold(), Entity(text=key))
        entity.labels[mention.label] += 1
        if mention.text == key:
            entity.own[mention.label] += 1
        entity.forms.add(mention.text)
        entity.spans.append(mention)
    kept = [e for e in merged.values() if not _stray(e)]
    return sorted(kept, key=lambda e: e.spans[0].start)


def _stray(entity: Entity) -> bool:
    """ "Story continues below", "Benchmark notes rose": a lone capitalised word at a
    sentence start, never in a person's context, is no evidence of a person."""
    return (
        entity.label == "PER"
        and " " not in entity.text
        and all(m.initial and not m.personal for m in entity.spans)
    )


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def _core(name: str) -> tuple[str, ...]:
    """A person name without its generational suffix and middle initials: "Patrick W.
    Carlineo Jr." -> ("patrick", "carlineo")."""
    words = [w.strip(".,").casefold() for w in name.split()]
    while len(words) > 2 and words[-1] in _SUFFIXES:
        words.pop()
    middle = [w for w in words[1:-1] if len(w) > 1]
    return (words[0], *middle, words[-1]) if len(words) > 1 else tuple(words)


def _same_person(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same surname, and one first name the short form of the other ("Pat", "Patrick"), or
    the last part of a hyphenated one ("Paul", "Jean-Paul")."""
    return (
        len(a) > 1
        and len(b) > 1
        and a[-1] == b[-1]
        and (a[0].startswith(b[0]) or b[0].startswith(a[0]) or _hyphen_part(a[0], b[0]))
    )


def _hyphen_part(a: str, b: str) -> bool:
    """One first name the last part of the other, hyphenated: "Paul", "Jean-Paul"."""
    if a in PARTICLES or b in PARTICLES:  # "Locksley-von Moltke" is no "von Moltke"
        return False
    return a.endswith(f"-{b}") or b.endswith(f"-{a}")


def _person_names(mentions: list[Mention]) -> dict[tuple[str, ...], set[str]]:
    """Each ending of a multi-word person name ("peskov", "dmitri peskov") -> the names it
    may stand for, each spelling of one person ("Pat Carlineo", "Patrick W. Carlineo Jr.")
    given as the first one met."""
    first: dict[str, str] = {}  # spelling -> the first spelling of the same person
    for name in dict.fromkeys(m.text for m in mentions if m.label == "PER" and " " in m.text):
        core = _core(name)
        first[name] = next((k for k in first.values() if _same_person(_core(k), core)), name)
    endings: dict[tuple[str, ...], set[str]] = {}
    for name, canonical in first.items():
        for words in (tuple(name.casefold().split()), _core(name)):
            for i in range(len(words)):
                endings.setdefault(words[i:], set()).add(canonical)
    return endings


def _name_tails(mentions: list[Mention]) -> dict[str, set[str]]:
    """The last word of each multi-word organisation or place -> those names."""
    tails: dict[str, set[str]] = {}
    for mention in mentions:
        if mention.label in {"ORG", "LOC"} and " " in mention.text:
            tails.setdefault(mention.text.split()[-1].casefold(), set()).add(mention.text)
    return tails


def _canonical(
    mention: Mention, persons: dict[tuple[str, ...], set[str]], tails: dict[str, set[str]]
) -> str:
    matches = persons.get(tuple(mention.text.casefold().split()), set())
    if not matches and mention.label == "PER" and " " not in mention.text:
        # "The Chronicle says", read as a person, after "The San Francisco Chronicle"
        matches = tails.get(mention.text.casefold(), set())
    return next(iter(matches)) if len(matches) == 1 else mention.text


def mention_index(entities: list[Entity]) -> list[tuple[int, int, str, str]]:
    """(start, end, canonical text, merged label) of every mention, in text order."""
    rows = [(m.start, m.end, e.text, e.label) for e in entities for m in e.spans]
    return sorted(rows)
