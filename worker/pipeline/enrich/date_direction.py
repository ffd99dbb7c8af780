"""Which way a relative date points: ahead of the article's date, or before it.

A day a report names is mostly one that has passed; a future word says otherwise, either
just before the mention ("who will testify Thursday", "votará el martes") or, when the
mention opens its clause, as that clause's own verb after it ("Da giovedì la rimonta
riporterà il bel tempo", "On Thursday the board will vote").
"""

from __future__ import annotations

import re

from worker.pipeline.enrich.calendar_words import (
    FUTURE_TENSE,
    FUTURE_WORDS,
    PAST_TENSE,
    SCHEDULED_PRESENT,
    VERB_FINAL,
)
from worker.pipeline.enrich.speech_verbs import all_verbs
from worker.pipeline.enrich.text import LEADING_ELISION

# Clause breaks: a future word counts only in the mention's own clause.
_CLAUSE_BREAK = re.compile(r"[.,;:!?\n«»\"“”()]")
_CUE_WORDS = 8  # how many words before a mention may hold its future word
_VERB_WORDS = 8  # how far after a mention that opens its clause its verb may come
_CUE_CHARS = 60
# A mention opens its clause with at most this many words before it ("Da", "On", "Am").
_OPENING_WORDS = 2
# Words after which a future belongs to reported speech or to a relative clause, not to the
# mention's clause ("On Thursday he met the minister who will travel").
_REPORTING = frozenset(all_verbs()) | frozenset(
    ["that", "que", "dass", "che", "dat", "bahwa", "who", "which", "whose", "whom", "where"]
)
# The comma that sets off an opening mention ("On Thursday, the board will vote") belongs to
# it: the clause goes on after it.
_OPENER_COMMA = re.compile(r"\s*,")


def points_ahead(
    text: str, start: int, end: int, language: str | None, weekday: bool = False
) -> bool:
    """Whether the mention at ``text[start:end]`` names a day after the article's date;
    ``weekday``: the mention is a weekday alone, which a scheduling present also moves."""
    before = _CLAUSE_BREAK.split(text[max(0, start - _CUE_CHARS) : start])[-1]
    tense = FUTURE_TENSE.get(language or "")
    cues = before.lower().replace("’", "'").split()[-_CUE_WORDS:]  # the clause's last words
    if any(_is_future_word(w, tense) for w in cues):
        return True
    if weekday and any(w in SCHEDULED_PRESENT for w in cues):
        return True
    opens = language in VERB_FINAL or len(before.split()) <= _OPENING_WORDS
    return opens and _future_verb_after(text, end, tense, PAST_TENSE.get(language or ""))


def _future_verb_after(
    text: str, end: int, tense: re.Pattern[str] | None, past: re.Pattern[str] | None
) -> bool:
    """A mention that opens its clause ("Da giovedì la rimonta riporterà il bel tempo", "On
    Thursday, the board will vote") stands before that clause's own verb: a future word
    among the next few words says the day is ahead. Reported speech is not the clause's
    verb ("On Monday the minister said the vote will..."): a speech verb or a "that" ends
    the search, and so does a past, where a language's endings show it."""
    comma = _OPENER_COMMA.match(text, end)
    start = comma.end() if comma else end
    clause = _CLAUSE_BREAK.split(text[start : start + _CUE_CHARS])[0]
    for word in clause.lower().replace("’", "'").split()[:_VERB_WORDS]:
        if word in _REPORTING or word.startswith(("qu'", "ch'")):
            return False
        if _is_future_word(word, tense):
            return True
        if past and past.fullmatch(word):
            return False
    return False


def _is_future_word(word: str, tense: re.Pattern[str] | None) -> bool:
    verb = LEADING_ELISION.sub("", word)  # "s'exprimera", "l'annoncera"
    return word in FUTURE_WORDS or word.endswith("'ll") or bool(tense and tense.fullmatch(verb))
