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

from worker.pipeline.enrich.quote_anaphora import speaker_next_sentence
from worker.pipeline.enrich.quote_attribution import (
    ATTRIBUTION_WINDOW,
    speaker_after,
    speaker_after_any_verb,
    speaker_after_comma,
    speaker_before,
)
from worker.pipeline.enrich.quote_marks import QUOTE_RE, Quote, quote_from_match
from worker.pipeline.enrich.quote_names import DROPPED, UNNAMED, Speaker, name_at, pronoun_label
from worker.pipeline.enrich.quote_opinion import view_holder
from worker.pipeline.enrich.quote_participles import speaker_by_participle
from worker.pipeline.enrich.quote_patterns import BARE_VERB, INCISE
from worker.pipeline.enrich.quote_pronouns import (
    back_fill,
    continued_speaker,
    dropped_subject,
    headings_fill,
    pronoun_referent,
    role_referent,
)
from worker.pipeline.enrich.quote_reading import MentionRow, QuoteText, read_quotes

_MIN_WORDS = 4  # shorter quoted bits are scare quotes or titles, not statements...
# ...unless they are a whole utterance with its speech verb: '"We are relieved," said Tom
# Green', '"We need more."' after '"…," Warren said.' An utterance opens with a capital and
# ends inside its marks ("move quickly" and "total disaster," are pieces of a sentence), and
# not every word has a capital ("Black Water," and "Beyond Finances." are titles).
_MIN_UTTERANCE_WORDS = 2
_UTTERANCE_END = ".,!?…"


def find_quotes(
    body: str, mentions: Sequence[MentionRow], language: str | None = None
) -> list[dict[str, Any]]:
    """``{text, speaker, offset, attribution}`` for each quotation in ``body``; with no
    ``mentions`` (no model), capitalised names stand for people, except in a language that
    capitalises every noun."""
    found = [quote_from_match(m) for m in QUOTE_RE.finditer(body)]
    text = read_quotes(body, found, mentions, language)
    quotes: list[Quote] = []
    for quote in found:
        short = len(quote.text.split()) < _MIN_WORDS
        if short and not _utterance(quote.text):
            continue
        who = _attribute(text, quote, quotes)
        if short and who is None:
            continue
        if who is not None:
            quote.speaker, quote.label, quote.how = who.name, who.label, who.how
        quotes.append(quote)
    back_fill(text, quotes)
    headings_fill(text, quotes)
    return [
        {
            "text": q.text,
            "speaker": q.speaker,
            "offset": q.offset,
            "attribution": None if q.how == UNNAMED else q.how,
        }
        for q in quotes
    ]


def _utterance(quote: str) -> bool:
    """A short quotation said whole: a capital (or a script without case) first, a word
    without one after it, and the sentence's own punctuation last."""
    initials = [next((c for c in word if c.isalpha()), "") for word in quote.split()]
    return (
        len(initials) >= _MIN_UTTERANCE_WORDS
        and not initials[0].islower()
        and any(c.islower() for c in initials[1:])
        and quote.rstrip()[-1:] in _UTTERANCE_END
    )


def _attribute(text: QuoteText, quote: Quote, earlier: list[Quote]) -> Speaker | None:
    index = text.sentence(quote.start)
    start, end = text.sentences[index]
    end = min(end, quote.end + ATTRIBUTION_WINDOW)
    opening = max(start, quote.start - ATTRIBUTION_WINDOW)
    who = (
        speaker_after(text, quote.end, end)
        or speaker_before(text, opening, quote)
        or view_holder(text, opening, quote)
        or (speaker_after_any_verb(text, quote.end, end) if quote.text[-1:] in ",?!" else None)
        or speaker_after_comma(text, quote.end, end)
        or speaker_by_participle(text, quote)
    )
    if who is not None and who.how == DROPPED:
        return dropped_subject(text, quote, earlier, who.at)
    if who is not None and who.name is None and who.how == "pronoun":
        titled = role_referent(text, who.role, who.at) if who.role else None
        return titled or pronoun_referent(text, who.at, earlier, who.label)
    if who is not None:  # named, or said by someone the text does not name
        return who if who.name else Speaker(None, how=UNNAMED)
    incise = INCISE.search(quote.text)
    if incise and incise["p"]:
        return pronoun_referent(text, quote.start, earlier, pronoun_label(incise["p"]))
    if incise:  # the quote's own text names its speaker: "…, explique Antony Fastier, …"
        return name_at(text, quote.offset, incise)
    if BARE_VERB.match(text.masked[quote.end : end]):
        return pronoun_referent(text, quote.start, earlier, "PER")
    return speaker_next_sentence(text, quote) or continued_speaker(text, quote, earlier)
