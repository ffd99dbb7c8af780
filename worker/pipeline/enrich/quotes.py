"""Quotations (« », “ ”, „ “, "…") with their speaker.

The speaker comes from the words around the quote ("», a déclaré Peskov", '," said X',
"according to X", "X said: “"), from a pronoun ("a-t-il déclaré", "he said") that points
back to the last named speaker, or, with no attribution at all, from the attributed quote
it continues. Names are resolved to the merged person entity when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# (start, end, canonical text, label) of entity mentions, see entities.mention_index.
MentionRow = tuple[int, int, str, str]

QUOTE_RE = re.compile(r"«\s*([^«»]+?)\s*»|“([^“”]+?)”|„([^„“”]+?)[“”]|\"([^\"\n]+?)\"")
_VERBS = (
    "déclaré|dit|ajouté|affirmé|indiqué|souligné|expliqué|estimé|précisé|assuré|poursuivi|"
    "conclu|répondu|annoncé|averti|insisté|martelé|lancé|confié|rappelé|noté|écrit|"
    "déclare|ajoute|affirme|indique|souligne|explique|estime|précise|assure|poursuit|"
    "conclut|répond|annonce|avertit|insiste|confie|rappelle|note|"
    "said|says|told|added|stated|explained|noted|wrote|insisted|warned|announced|declared|"
    "continued|replied|argued|claimed|tweeted"
)
_NAME = r"[A-ZÀ-Ý][\w'’\-]+(?:\s+[A-ZÀ-Ý][\w'’\-]+){0,3}"
_LEAD = r"\A[\s,.;:\-–—]*"
_PRONOUN_AFTER = re.compile(
    rf"{_LEAD}(?:(?:a|ont|avait|avaient)-t-(?:il|elle|ils|elles)\s+(?:{_VERBS})"
    rf"|(?:{_VERBS})-(?:t-)?(?:il|elle|ils|elles)\b"
    rf"|(?:il|elle|ils|elles)\s+(?:a|ont|avait)\s+(?:{_VERBS})"
    rf"|(?:he|she|they)\s+(?:{_VERBS})|(?:{_VERBS})\s+(?:he|she|they)\b)",
    re.IGNORECASE,
)
_VERB_THEN_NAME = re.compile(rf"{_LEAD}(?:(?:a|ont|avait)\s+)?(?:{_VERBS})\s+(?P<rest>.+)", re.S)
_NAME_THEN_VERB = re.compile(rf"{_LEAD}(?P<name>{_NAME})\s+(?:a\s+)?(?:{_VERBS})\b")
_ACCORDING = re.compile(rf"(?:according to|selon|d'après|d’après)\s+(?P<name>{_NAME})")
_BEFORE = re.compile(rf"(?P<name>{_NAME})\s+(?:a\s+)?(?:{_VERBS})\s*[:,]?\s*\Z")
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
    named = _named_after(after, after_start, mentions) or _named_before(body, match, mentions)
    if named:
        return named, "explicit"
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
    name = _NAME_THEN_VERB.match(after) or _ACCORDING.search(after)
    return _resolve(name["name"], mentions) if name else None


def _named_before(body: str, match: re.Match[str], mentions: Sequence[MentionRow]) -> str | None:
    before = body[max(0, match.start() - _WINDOW) : match.start()]
    before = re.split(r"[.!?»”\"](?=\s)|\n", before)[-1]
    name = _BEFORE.search(before) or _ACCORDING.search(before)
    return _resolve(name["name"], mentions) if name else None


def _person_at(start: int, end: int, mentions: Sequence[MentionRow]) -> str | None:
    """The first person mention starting in [start, end)."""
    return next((m[2] for m in mentions if start <= m[0] < end and m[3] == "PER"), None)


def _name_at_start(rest: str, mentions: Sequence[MentionRow]) -> str | None:
    name = re.match(_NAME, rest)
    return _resolve(name[0], mentions) if name else None


def _resolve(name: str, mentions: Sequence[MentionRow]) -> str:
    """The merged entity a bare name belongs to (``Peskov`` -> ``Dmitri Peskov``)."""
    folded = name.casefold()
    for _start, _end, canonical, label in mentions:
        if label == "PER" and folded in (canonical.casefold(), canonical.casefold().split()[-1]):
            return canonical
    return name


def _person_between(
    previous: dict[str, Any], match: re.Match[str], mentions: Sequence[MentionRow]
) -> bool:
    """Another person named between two quotes breaks the continuation."""
    start, speaker = previous["offset"], previous["speaker"]
    return any(start < m[0] < match.start() and m[3] == "PER" and m[2] != speaker for m in mentions)
