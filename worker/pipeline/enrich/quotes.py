"""Quotations (« », » «, “ ”, „ “, ‘ ’, "…") with their speaker, in the languages of
``speech_words``.

The speaker comes from the words around the quote ("», a déclaré Peskov", '," said X',
"according to X", "X said: “"), from a pronoun ("a-t-il déclaré", "he said") that points
back to the last named speaker, or, with no attribution at all, from the attributed quote
it continues. Names are resolved to the merged person entity when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from worker.pipeline.enrich.speech_words import (
    ACCORDING,
    AFTER_QUOTE,
    AUXILIARIES,
    BETWEEN,
    NOT_NAMES,
    PRONOUN_VERBS,
    PRONOUNS,
    QUOTATIVES,
    all_verbs,
)

# (start, end, canonical text, label) of entity mentions, see entities.mention_index.
MentionRow = tuple[int, int, str, str]

# Guillemets both ways (« » French and Russian, » « German), English and German doubles,
# single ‘ ’ (the closing one only before a non-letter, else it is an apostrophe) and ASCII.
QUOTE_RE = re.compile(
    r"«\s*([^«»]+?)\s*»|»\s*([^«»]+?)\s*«|“([^“”]+?)”|„([^„“”]+?)[“”]"
    r"|‘([^‘\n]+?)’(?!\w)|\"([^\"\n]+?)\""
)


def _alternation(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_VERBS = _alternation(all_verbs())
_AUX = rf"(?:(?:{_alternation([*AUXILIARIES, *QUOTATIVES])})\s+)?"
_PRONOUNS = _alternation(PRONOUNS)
_NOT_NAMES = frozenset(NOT_NAMES.split())
# Capitals of every alphabet up to Cyrillic, so "Песков" and "İmamoğlu" start a name too.
_UPPER = "".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper() and c.isalpha())
_WORD = rf"[{_UPPER}][\w'’\-]+"
# Particles inside a name: "Ursula von der Leyen", "Luiz Inácio Lula da Silva".
_PARTICLES = r"(?:(?:von|van|der|den|de|da|do|dos|del|di|du|la|le|bin|al|ter)\s+){0,2}"
_NAME = rf"{_WORD}(?:\s+{_PARTICLES}{_WORD}){{0,3}}"
_LEAD = r"\A[\s,.;:\-–—]*"
_PRONOUN_AFTER = re.compile(
    rf"{_LEAD}(?:(?:a|ont|avait|avaient)-t-(?:il|elle|ils|elles)\s+(?:{_VERBS})"
    rf"|(?:{_VERBS})-(?:t-)?(?:il|elle|ils|elles)\b"
    rf"|(?:{_PRONOUNS})\s+{_AUX}(?:{_VERBS})\b|{_AUX}(?:{_VERBS})\s+(?:{_PRONOUNS})\b"
    rf"|(?:{_alternation(PRONOUN_VERBS)})\b)",
    re.IGNORECASE,
)
_VERB_THEN_NAME = re.compile(
    rf"{_LEAD}(?:{_AUX}(?:{_VERBS})|{_alternation(AFTER_QUOTE)})\s+(?P<rest>.+)", re.S
)
_BARE_VERB = re.compile(rf"{_LEAD}{_AUX}(?:{_VERBS})\s*\Z")
_NAME_THEN_VERB = re.compile(rf"{_LEAD}(?P<name>{_NAME})\s+{_AUX}(?:{_VERBS})\b")
_ACCORDING = re.compile(rf"(?i:{_alternation(ACCORDING)})\s+(?P<name>{_NAME})")
# Turkish puts the speaker before "göre" with a case ending: "Erdoğan'a göre".
_GORE = re.compile(rf"(?P<name>{_NAME})['’](?:[ae]|y[ae]|n[ae])\s+göre")
# The speaker before the quote: "Smith said:", "Merkel sagte:", "Smith told reporters:",
# "Erdoğan şunları söyledi:".
_BEFORE = re.compile(
    rf"(?P<name>{_NAME})(?:\s+(?:{_alternation(BETWEEN.split())})){{0,2}}\s+{_AUX}(?:{_VERBS})"
    rf"(?:\s*[:,]?|(?:\s+[^\s:.!?]+){{1,3}}\s*:)\s*\Z"
)
# A name alone before the quote: "Merkel: „…“", or "Erdoğan, "…" dedi" with a bare verb after.
_NAME_COLON = re.compile(rf"(?P<name>{_NAME})\s*:\s*\Z")
_NAME_COMMA = re.compile(rf"(?:\A|[^\w\s]\s*|\s)(?P<name>{_NAME})\s*,\s*\Z")
_SENTENCE_END = re.compile(r"[.!?](?=\s|\Z)|\n")
_WINDOW = 160  # attribution sits in the same sentence, close to the quote
_MIN_WORDS = 4  # shorter quoted bits are scare quotes or titles, not statements


def find_quotes(body: str, mentions: Sequence[MentionRow]) -> list[dict[str, Any]]:
    """``{text, speaker, offset, attribution}`` for each quotation in ``body``."""
    quotes: list[dict[str, Any]] = []
    for match in QUOTE_RE.finditer(body):
        inner = next(g for g in match.groups() if g is not None)
        if len(inner.split()) < _MIN_WORDS:
            continue
        speaker, how = _attribute(body, match, mentions, quotes)
        offset = match.start() + match[0].index(inner)
        quotes.append({"text": inner, "speaker": speaker, "offset": offset, "attribution": how})
    return quotes


def _attribute(
    body: str, match: re.Match[str], mentions: Sequence[MentionRow], earlier: list[dict[str, Any]]
) -> tuple[str | None, str | None]:
    after_start = match.end()
    after = _until_sentence_end(body[after_start : after_start + _WINDOW])
    if _PRONOUN_AFTER.match(after):
        return _previous_speaker(earlier), "pronoun"
    bare = bool(_BARE_VERB.match(after))
    named = _named_after(after, after_start, mentions) or _named_before(body, match, mentions, bare)
    if named:
        return named, "explicit"
    if bare:  # "«…», dijo." with nobody named: the subject is the last speaker
        return _previous_speaker(earlier), "pronoun"
    if earlier and earlier[-1]["speaker"] and not _person_between(earlier[-1], match, mentions):
        return earlier[-1]["speaker"], "continuation"
    return None, None


def _until_sentence_end(text: str) -> str:
    end = _SENTENCE_END.search(text)
    return text[: end.start()] if end else text


def _previous_speaker(earlier: list[dict[str, Any]]) -> str | None:
    return next((q["speaker"] for q in reversed(earlier) if q["speaker"]), None)


def _named_after(after: str, base: int, mentions: Sequence[MentionRow]) -> str | None:
    verb = _VERB_THEN_NAME.match(after)
    if verb:
        start = base + verb.start("rest")
        return _person_at(start, start + 60, mentions) or _name_at_start(verb["rest"], mentions)
    name = _NAME_THEN_VERB.match(after) or _ACCORDING.search(after) or _GORE.search(after)
    return _resolve(name["name"], mentions) if name else None


def _named_before(
    body: str, match: re.Match[str], mentions: Sequence[MentionRow], bare_verb: bool
) -> str | None:
    before = body[max(0, match.start() - _WINDOW) : match.start()]
    before = re.split(r"[.!?»«”“\"](?=\s)|\n", before)[-1]
    name = (
        _BEFORE.search(before)
        or _ACCORDING.search(before)
        or _GORE.search(before)
        or _NAME_COLON.search(before)
        or (_NAME_COMMA.search(before) if bare_verb else None)
    )
    return _resolve(name["name"], mentions) if name else None


def _person_at(start: int, end: int, mentions: Sequence[MentionRow]) -> str | None:
    """The first person mention starting in [start, end)."""
    return next((m[2] for m in mentions if start <= m[0] < end and m[3] == "PER"), None)


def _name_at_start(rest: str, mentions: Sequence[MentionRow]) -> str | None:
    name = re.match(_NAME, rest)
    return _resolve(name[0], mentions) if name else None


def _resolve(name: str, mentions: Sequence[MentionRow]) -> str | None:
    """The merged entity a bare name belongs to (``Peskov`` -> ``Dmitri Peskov``); None for
    a noun phrase ("The minister")."""
    words = name.casefold().split()
    if words[0] in _NOT_NAMES:
        return None
    # Longest tail first: "Prime Minister Keir Starmer" is the person "Keir Starmer".
    for folded in (" ".join(words[k:]) for k in range(len(words))):
        for _start, _end, canonical, label in mentions:
            known = canonical.casefold()
            if label == "PER" and folded in (known, known.split()[-1]):
                return canonical
    return name


def _person_between(
    previous: dict[str, Any], match: re.Match[str], mentions: Sequence[MentionRow]
) -> bool:
    """Another person named between two quotes breaks the continuation."""
    start, speaker = previous["offset"], previous["speaker"]
    return any(start < m[0] < match.start() and m[3] == "PER" and m[2] != speaker for m in mentions)
