"""Who a name or a clause's subject is: the person (else organisation) named, resolved to
the merged entity, provided it is the subject of its clause and not the object of a
preposition ("a letter to Smith") or a possessive ("Smith's lawyer"); and whether a pronoun
stands for a person or an organisation.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from worker.pipeline.enrich.name_words import PREPOSITIONS, ROLES, TITLES
from worker.pipeline.enrich.quote_patterns import (
    ARTICLE_WORDS,
    NAME_APPOSITION,
    NAME_BEFORE_VERB,
    NOT_NAME_WORDS,
    THING_WORDS,
    without_titles,
)
from worker.pipeline.enrich.quote_reading import QuoteText
from worker.pipeline.enrich.speech_words import ACCORDING_WORDS
from worker.pipeline.enrich.text import LEADING_ELISION

_LONGEST_MENTION = 200  # a mention overlapping a name starts at most this far before it
UNNAMED = "unnamed"  # attributed to someone the text does not name ('," said a source')
DROPPED = "dropped"  # a speech verb with no subject, still to be resolved ("Agregó que “…”")


@dataclass(frozen=True)
class Speaker:
    """A speaker found, or a pronoun at ``at`` still to be resolved (``name`` None)."""

    name: str | None
    label: str = "PER"
    how: str = "explicit"
    at: int = -1
    role: str | None = None  # "said the senator": the last person introduced as senator


def named_next(text: QuoteText, start: int, end: int, apposition: bool = True) -> Speaker | None:
    """After an inverted verb, the person (else organisation) named next to it, or set off
    after a comma ('said another witness, former adviser Fiona Hill'); one further away is
    not the speaker ("a ajouté un ténor de la droite sur … Jean-Paul Delevoye")."""
    for wanted in ("PER", "ORG"):
        whose_role = None  # "dijo el portavoz del Kremlin Dmitri Peskov", unless a name follows
        for row in text.between(start, end):
            if row[3] == wanted:
                gap = text.masked[start : row[0]]
                if "," in gap and not apposition:
                    continue
                between = gap.rsplit(",", 1)[-1].split()
                if len(between) > 5:
                    continue
                if PREPOSITIONS.intersection(between):
                    if wanted == "PER" and whose_role is None and _role_of(between):
                        whose_role = Speaker(row[2], wanted)
                elif _is_subject(text.body, row[0], row[1]):
                    return Speaker(row[2], wanted)
        if whose_role:
            return whose_role
    return None


def _role_of(words: list[str]) -> bool:
    """ "il segretario del Pd", "el portavoz del Kremlin", "le ministre de l'Économie": a role
    and whose it is, before the person's name, not a preposition that makes the name its object."""
    first = next(i for i, w in enumerate(words) if w in PREPOSITIONS)
    whose = [LEADING_ELISION.sub("", w) for w in words[first + 1 :]]  # "de l'Économie"
    return (
        len(whose) <= 3
        and all(w[:1].isupper() or w.isdigit() for w in whose)
        and any(w.casefold() in ROLES for w in words[:first])
    )


_NOT_A_NAME_ALONE = ACCORDING_WORDS | ROLES | TITLES


def named_subject(
    text: QuoteText, start: int, end: int, label: str | None = None
) -> Speaker | None:
    """The first person (else organisation) named between ``start`` and ``end`` that is
    neither the object of a preposition ("a letter to Smith") nor a possessive ("Smith’s
    lawyer")."""
    rows = [m for m in text.between(start, end) if m[1] <= end]
    for wanted in (label,) if label else ("PER", "ORG"):
        for row in rows:
            if row[3] == wanted and _is_subject(text.body, row[0], row[1]):
                return Speaker(row[2], wanted)
    return None


def _is_subject(body: str, start: int, end: int) -> bool:
    clause = re.split(r"[,;:(—–]", body[max(0, start - 30) : start])[-1].split()
    last = [w.casefold() for w in clause[-2:]]
    if last and last[-1] in PREPOSITIONS:
        return False
    if len(last) == 2 and last[0] in PREPOSITIONS and last[1] in ARTICLE_WORDS:
        return False  # "of the Electoral Commission", "de la Mujer"
    return not possessive(body, end)


def possessive(body: str, end: int) -> bool:
    """Whether the name ending at ``end`` is a possessive ("Smith’s lawyer", "Jones’ aide")."""
    return bool(_POSSESSIVE.match(body, end))


_POSSESSIVE = re.compile(r"['’]s?(?!\w)")


def name_before_verb(text: QuoteText, start: int, end: int) -> Speaker | None:
    clause = text.masked[start:end]
    name = NAME_BEFORE_VERB.search(clause) or NAME_APPOSITION.match(clause)
    if name and not _is_subject(text.body, start + name.start("name"), start + name.end("name")):
        return None  # "la inocencia de Hernández aseguró": Hernández is not who spoke
    return name_at(text, start, name)


def name_at(text: QuoteText, base: int, match: re.Match[str] | None) -> Speaker | None:
    """The person a capitalised name found by a pattern is: the merged entity it belongs to,
    or, with no model, the name itself without its titles. With a model, a name the model
    calls an organisation or a place is that organisation or place."""
    if match is None:
        return None
    group = "name" if "name" in match.re.groupindex else 0
    start = base + match.start(group)
    name = match[group].rstrip(".")
    words = without_titles(name.split())
    if len(words) > 3 and words[-2] == "di":
        words = words[:-2]  # "kata Sri Mulyani di Jakarta": Indonesian "in", not a particle
    if not words or words[0].casefold() in NOT_NAME_WORDS:
        return None
    if len(words) == 1 and words[0].casefold() in _NOT_A_NAME_ALONE:
        return None  # "Según explicó", "dijo el Presidente": nobody's name
    for row in text.between(start - _LONGEST_MENTION, start + len(name)):
        if start < row[1] and row[3] != "PER":
            # "Tottenham said", "China said": a club or a country read as a place speaks
            # as an organisation; a name the model calls MISC (a nationality) does not
            return Speaker(row[2], "ORG") if row[3] in {"ORG", "LOC"} else None
    return Speaker(_resolve(" ".join(words), text.people))


def _resolve(name: str, people: dict[str, str]) -> str:
    """The merged person a bare name belongs to (``Peskov`` -> ``Dmitri Peskov``)."""
    words = name.casefold().split()
    # Longest tail first: "Interim Police Chief Ed Alvarez" is the person "Ed Alvarez".
    for folded in (" ".join(words[k:]) for k in range(len(words))):
        if folded in people:
            return people[folded]
    return name


def pronoun_label(pronoun: str | None) -> str:
    return "ORG" if pronoun and pronoun.casefold() in THING_WORDS else "PER"


_SENTENCE_END = re.compile(r"[.!?\n]")
# The articles ARTICLE_WORDS lacks: a subject may start with one ("dijo un portavoz").
_INDEFINITE = frozenset({"un", "una", "uno", "um", "uma", "un'"})


def subjectless(rest: str) -> bool:
    """The words after an inverted verb are a phrase of prepositions to the sentence's end,
    with no subject of their own: '", afirmó en rueda de prensa.', '", ha detto a margine
    del vertice.', never '", dijo a los periodistas un portavoz' nor a capitalised name."""
    words = _SENTENCE_END.split(rest, 1)[0].split()
    if not words or words[0].casefold() not in PREPOSITIONS or words[0][:1].isupper():
        return False
    for before, word in itertools.pairwise(words):
        folded = word.casefold()
        if word[:1].isupper() or (
            (folded in ARTICLE_WORDS or folded in _INDEFINITE)
            and before.casefold() not in PREPOSITIONS
        ):
            return False
    return True
