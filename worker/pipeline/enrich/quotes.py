"""Quotations (« », » «, “ ”, „ “, ‘ ’, "…") with their speaker, in the languages of
``speech_verbs``.

The speaker comes from the words of the quote's own sentence: after it ('," said X',
'," X said', '," Commerzbank analyst X said', "», a déclaré X", "according to X") or
before it ("X said: “", "X said in a statement that “", "X, a lawyer, told"). A pronoun
("he said", "a-t-il déclaré", "She added, “") stands for the person named first in the
nearest sentence that names one; a quote with no attribution that opens its paragraph right
after an attributed one continues it. Names are resolved to the merged person entity when
there is one, and lose their titles ("Foreign Minister Sergei Lavrov" is "Sergei Lavrov").

Sentences and clauses are read with every quotation blanked out, so the words inside a quote
never name its speaker.

The work is split by step: ``quote_marks`` finds the quoted spans, ``quote_reading`` blanks
them and reads sentences and people, ``quote_attribution`` reads the words after and before
a quote, ``quote_names`` tells who a name or subject is, and ``quote_pronouns`` resolves
pronouns, roles and continued quotes. The word lists are ``speech_verbs``, ``speech_words``
and ``name_words``, their regexes ``quote_patterns``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from worker.pipeline.enrich.quote_attribution import _WINDOW, _after, _any_verb_after, _before
from worker.pipeline.enrich.quote_marks import QUOTE_RE, _Quote, _quote
from worker.pipeline.enrich.quote_names import _UNNAMED, _Who
from worker.pipeline.enrich.quote_patterns import _BARE_VERB
from worker.pipeline.enrich.quote_pronouns import _back_fill, _continued, _pronoun, _role_referent
from worker.pipeline.enrich.quote_reading import MentionRow, _read, _Text

_MIN_WORDS = 4  # shorter quoted bits are scare quotes or titles, not statements
# German and Luxembourgish capitalise every noun: a capital says nothing of a name there.
_NOUNS_CAPITALISED = frozenset({"de", "lb"})


def find_quotes(
    body: str, mentions: Sequence[MentionRow], language: str | None = None
) -> list[dict[str, Any]]:
    """``{text, speaker, offset, attribution}`` for each quotation in ``body``; with no
    ``mentions`` (no model), capitalised names stand for people, except in a language that
    capitalises every noun."""
    found = [_quote(m) for m in QUOTE_RE.finditer(body)]
    text = _read(body, found, mentions, language in _NOUNS_CAPITALISED)
    quotes: list[_Quote] = []
    for quote in found:
        if len(quote.text.split()) < _MIN_WORDS:
            continue
        who = _attribute(text, quote, quotes)
        if who is not None:
            quote.speaker, quote.label, quote.how = who.name, who.label, who.how
        quotes.append(quote)
    _back_fill(text, quotes)
    return [
        {
            "text": q.text,
            "speaker": q.speaker,
            "offset": q.offset,
            "attribution": None if q.how == _UNNAMED else q.how,
        }
        for q in quotes
    ]


def _attribute(text: _Text, quote: _Quote, earlier: list[_Quote]) -> _Who | None:
    index = text.sentence(quote.start)
    start, end = text.sentences[index]
    end = min(end, quote.end + _WINDOW)
    who = (
        _after(text, quote.end, end)
        or _before(text, max(start, quote.start - _WINDOW), quote)
        or (_any_verb_after(text, quote.end, end) if quote.text[-1:] in ",?!" else None)
    )
    if who is not None and who.name is None and who.how == "pronoun":
        titled = _role_referent(text, who.role, who.at) if who.role else None
        return titled or _pronoun(text, who.at, earlier, who.label)
    if who is not None:  # named, or said by someone the text does not name
        return who if who.name else _Who(None, how=_UNNAMED)
    if _BARE_VERB.match(text.masked[quote.end : end]):
        return _pronoun(text, quote.start, earlier, "PER")
    return _continued(text, quote, earlier)
