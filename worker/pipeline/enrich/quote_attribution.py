"""The attribution in a quote's own sentence: the words after it ('," said X', '," X said',
'," he said', "according to X") or before it ("X said: “", "X said in a statement that “",
"Merkel: „"). A pronoun or a definite role found there is resolved by ``quote_pronouns``.
"""

from __future__ import annotations

import re

from worker.pipeline.enrich.quote_marks import _Quote
from worker.pipeline.enrich.quote_names import (
    _name_at,
    _name_before_verb,
    _named_next,
    _pronoun_label,
    _subject,
    _Who,
)
from worker.pipeline.enrich.quote_patterns import (
    _ACCORDING,
    _ANY_VERB,
    _ANY_VERB_NAME,
    _ANY_VERB_OR_PARTICIPLE,
    _BARE_VERB,
    _DEFINITE_ACRONYM,
    _DEFINITE_NOUN,
    _DEFINITE_NOUN_NAME,
    _DEFINITE_ROLE,
    _DESCRIBED_COMMA_NAME,
    _DESCRIBED_NAME,
    _GORE,
    _NAME,
    _NAME_ANY_VERB,
    _NAME_COLON,
    _NAME_COMMA,
    _NOT_VERBS,
    _PRONOUN_AFTER,
    _PRONOUN_ANY_VERB,
    _PRONOUN_SUBJECT,
    _VERB_FIRST,
)
from worker.pipeline.enrich.quote_reading import _Text
from worker.pipeline.enrich.speech_words import word_set

_WINDOW = 200  # attribution sits in the same sentence, close to the quote
_SUBJECT_CHARS = 120  # "“…,” Will Moy, chief executive of X, told": longer is another clause
_INDEFINITE = word_set("a an one un une uno una ein eine einer um uma een")


# --- the words after the quote --------------------------------------------------------------


def _after(text: _Text, start: int, end: int) -> _Who | None:
    """'," said X' / '," X said' / '," he said' / '," according to X'; ``_Who(None)`` when
    the clause attributes the quote to nobody named ('," said a spokesman')."""
    after = text.masked[start:end]
    pronoun = _PRONOUN_AFTER.match(after)
    if pronoun:
        at = start + (pronoun.start("p") if pronoun["p"] else 0)
        return _Who(None, _pronoun_label(pronoun["p"]), "pronoun", at)
    verb = _VERB_FIRST.match(after)
    if verb:  # inverted: the speaker follows the verb
        rest = start + verb.start("rest")
        found = _named_next(text, rest, end) or _name_after_verb(text, rest, verb["rest"])
        if found or _BARE_VERB.match(after):
            return found
        acronym = _DEFINITE_ACRONYM.match(verb["rest"])
        if acronym:  # "schrieb der AStA", "reported the BBC": an organisation's short name
            return _name_at(text, rest, acronym)
        role = _DEFINITE_ROLE.match(verb["rest"])
        if role or (text.nouns_capitalised and _DEFINITE_NOUN.match(verb["rest"])):
            return _Who(None, "PER", "pronoun", rest, role["role"].casefold() if role else None)
        return _Who(None)
    later = _ANY_VERB.search(after)
    if later and later.start() <= _SUBJECT_CHARS:
        verb_at = start + later.start()
        pronoun = _PRONOUN_SUBJECT.search(after[: later.start()])
        if pronoun:
            return _Who(None, _pronoun_label(pronoun["p"]), "pronoun", start + pronoun.start("p"))
        found = _subject(text, start, verb_at) or _name_before_verb(text, start, verb_at)
        if not found and after[: later.start()].rstrip().endswith(","):
            # '" despite …, said another witness, adviser Fiona Hill': inverted after a clause
            found = _subject(text, start + later.end(), end)
        if found:
            return found
    return _according(text, start, end)


def _any_verb_after(text: _Text, start: int, end: int) -> _Who | None:
    """A quote that ends on a comma hands over to its attribution, whatever the verb:
    '," Mr. Trump recounted', '," comments Johnston', '," he assures'."""
    after = text.masked[start:end]
    pronoun = _PRONOUN_ANY_VERB.match(after)
    if pronoun and _verb_like(pronoun["verb"]):
        return _Who(None, _pronoun_label(pronoun["p"]), "pronoun", start + pronoun.start("p"))
    match = _NAME_ANY_VERB.match(after) or _ANY_VERB_NAME.match(after)
    if match is None or not _verb_like(match["verb"]) or re.search(r"['’]s?\Z", match["name"]):
        return None
    return _subject(text, start + match.start("name"), start + match.end("name")) or _name_at(
        text, start, match
    )


def _verb_like(word: str) -> bool:
    """A lower-case word that reads as a verb of the present or the past."""
    return len(word) > 3 and word.endswith(("s", "ed")) and word not in _NOT_VERBS


def _name_after_verb(text: _Text, base: int, rest: str) -> _Who | None:
    """The name right after an inverted verb, past a few descriptive words. Where every
    noun is capitalised, the first capitalised word after an article is a noun ("sagte der
    Abgeordnete Martin Dolzer"), and a name needs two more words."""
    if not text.nouns_capitalised:  # "dijo la ministra de Hacienda, Rosa Vidal"
        indefinite = rest.split()[:1] and rest.split()[0].casefold() in _INDEFINITE
        described = _DESCRIBED_NAME.match(rest) or (
            None if indefinite else _DESCRIBED_COMMA_NAME.match(rest)
        )
        return _name_at(text, base, described)
    described = _DEFINITE_NOUN_NAME.match(rest)
    return _name_at(text, base, described or re.match(_NAME, rest))


# --- the words before the quote -------------------------------------------------------------


def _before(text: _Text, start: int, quote: _Quote) -> _Who | None:
    """'X said: "' / 'X said in the release that "' / 'She added, "' / 'Merkel: „'."""
    before = text.masked[start : quote.start]
    verbs = list(_ANY_VERB_OR_PARTICIPLE.finditer(before))
    if verbs:
        verb_at = start + verbs[-1].start()
        pronoun = _PRONOUN_SUBJECT.search(text.masked[start:verb_at])
        if pronoun:
            return _Who(None, _pronoun_label(pronoun["p"]), "pronoun", start + pronoun.start("p"))
        found = _subject(text, start, verb_at) or _name_before_verb(text, start, verb_at)
        if found:
            return found
        if _unnamed_subject(text.masked[start:verb_at]):
            role = _DEFINITE_ROLE.match(text.masked[start:verb_at].rsplit(",", 1)[-1].strip())
            return _Who(None, "PER", "pronoun", verb_at, role["role"].casefold() if role else None)
    colon = _NAME_COLON.search(before)
    if colon:
        return _name_at(text, start, colon)
    according = _according(text, start, quote.start)
    if according:
        return according
    if _BARE_VERB.match(text.masked[quote.end : quote.end + _WINDOW]):
        return _name_at(text, start, _NAME_COMMA.search(before))
    return None


def _according(text: _Text, start: int, end: int) -> _Who | None:
    """ "according to Kremlin spokesman Dmitry Peskov", "según el ministro de Economía,
    Carlos Cuerpo", "Erdoğan'a göre"."""
    key = _ACCORDING.search(text.masked, start, end)
    if key is None:
        return _name_at(text, 0, _GORE.search(text.masked, start, end))
    rest = text.masked[key.end() : end]
    # "according to a source close to Smith, Jones …": past an indefinite, the name after
    # the comma is the sentence's subject, not the source
    indefinite = rest.split()[:1] and rest.split()[0].casefold() in _INDEFINITE
    found = _named_next(text, key.end(), end, apposition=not indefinite)
    described = _DESCRIBED_NAME.match(rest) or (
        None if indefinite else _DESCRIBED_COMMA_NAME.match(rest)
    )
    return found or _name_at(text, key.end(), described)


def _unnamed_subject(clause: str) -> bool:
    """No subject before the verb ("Al respecto, explicó que “…”", a dropped pronoun), or a
    definite role ("La secretaria de Estado señaló"): someone named before."""
    last = clause.rsplit(",", 1)[-1].strip()
    return not last or bool(_DEFINITE_ROLE.match(last))
