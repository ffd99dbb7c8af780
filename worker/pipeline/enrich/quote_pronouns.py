"""Quotes whose own sentence names nobody: who a pronoun or a definite role ("the
senator") stands for, and quotes that continue an earlier one or follow a sentence that
reports speech ("Smith said the talks failed. “We tried everything.”").
"""

from __future__ import annotations

import re
from itertools import pairwise

from worker.pipeline.enrich.quote_marks import Quote
from worker.pipeline.enrich.quote_names import (
    UNNAMED,
    Speaker,
    name_at,
    name_before_verb,
    named_next,
    named_subject,
    possessive,
    pronoun_label,
)
from worker.pipeline.enrich.quote_patterns import (
    ANY_VERB,
    DEFINITE_ACRONYM,
    FIRST_PERSON,
    NOT_NAME_WORDS,
    PRONOUN_RIGHT_AFTER,
    PRONOUN_SUBJECT,
)
from worker.pipeline.enrich.quote_reading import QuoteText

_ROLE_REACH = 5000  # how far back "the senator" may point: a long article's earlier pages
_LOOK_BACK = 4  # sentences a pronoun may reach back to find who it stands for
_HEADING_WORDS = 3  # the words a subheading shares with the quote it excerpts
_HEADING_REACH = 20  # the quotes below a subheading that may be the one it excerpts
_SENTENCE_CHARS = 1000  # how much of a sentence the reported-speech rules read
_BLANK_CHARS = 80  # how many blanks may stand between a line break and a quote
_NON_BLANK = re.compile(r"\S")
_LINE_OPENS = re.compile(r"(?:\A|\n)[^\S\n]*\Z")
_LINE_ENDS = re.compile(r"[^\S\n]*(?:\n|\Z)")
_REPORTED_REACH = 3  # sentences of reported speech between a quote and the verb that says it


def pronoun_referent(text: QuoteText, at: int, earlier: list[Quote], label: str) -> Speaker | None:
    """Who the pronoun at ``at`` stands for: the person (for "it", the organisation) named
    first in its own sentence before it, else in the nearest sentence before that names one
    (a quote's speaker counts as named where the quote starts), else the last speaker."""
    index = text.sentence(at)
    start = text.sentences[index][0]
    found = _first_named(text, start, at, earlier, label)
    for back in range(index - 1, max(index - _LOOK_BACK, 0) - 1, -1):
        if found:
            break
        first, last = text.sentences[back]
        found = _first_named(text, first, last, earlier, label)
    if found:
        return Speaker(found.name, found.label, "pronoun") if found.name else None
    previous = next((q for q in reversed(earlier) if q.speaker and q.label == label), None)
    return Speaker(previous.speaker, previous.label, "pronoun") if previous else None


def _first_named(
    text: QuoteText, start: int, end: int, earlier: list[Quote], label: str
) -> Speaker | None:
    """Who the sentence from ``start`` to ``end`` is about: whoever it reports speaking
    ("…, sagte Dolzer"), else the first one it names."""
    # A quote said by "a source" counts too: "he" after it is that unnamed source.
    named: list[tuple[int, Speaker]] = []
    for q in reversed(earlier):  # the latest first: stop at the sentence's start
        if q.start < start:
            break
        if q.start < end and (q.how == UNNAMED or (q.speaker and q.label == label)):
            named.append((q.start, Speaker(q.speaker, q.label)))
    speaker = _says(text, start, end, label)
    if speaker:
        named.append((start - 1, speaker))
    subject = named_subject(text, start, end, label)
    if subject:
        row = next(m for m in text.between(start, end) if m[2] == subject.name)
        named.append((row[0], subject))
    return min(named, key=lambda pair: pair[0])[1] if named else None


def _says(text: QuoteText, start: int, end: int, label: str) -> Speaker | None:
    """The subject of the first speech verb of a sentence that has one: named in the clause
    right before the verb (or, after an apposition, first in the sentence), or right after
    a verb that opens a clause ("…, sagte Dolzer")."""
    for verb in ANY_VERB.finditer(text.masked, start, end):
        clause = text.masked[start : verb.start()]
        segment = clause.rsplit(",", 1)[-1]
        found = None
        if not segment.strip():  # "…, sagte Dolzer" / "Smith, a lawyer, said"
            found = named_next(text, verb.end(), end)
            if not found or found.label != label:
                found = named_subject(text, start, verb.start(), label)
        else:
            found = named_subject(text, verb.start() - len(segment), verb.start(), label)
        if found and found.label == label:
            return found
    return None


def role_referent(text: QuoteText, role: str, at: int) -> Speaker | None:
    """The last person before ``at`` introduced with ``role`` ("Foreign Minister Sergei
    Lavrov" for "the minister", "el senador republicano Rick Scott" for "el senador")."""
    for row in reversed(text.between(at - _ROLE_REACH, at)):
        if row[3] == "PER":
            words = [
                w.strip(".,;:").casefold() for w in text.body[max(0, row[0] - 40) : row[0]].split()
            ]
            if any(w == role or w.endswith(role) for w in words[-3:]):  # "Verteidigungsminister"
                return Speaker(row[2], "PER", "pronoun")
    return None


def continued_speaker(text: QuoteText, quote: Quote, earlier: list[Quote]) -> Speaker | None:
    """An unattributed quote continues the previous one when it sits in the same paragraph,
    or opens the next one, and nobody else is named in between; else it quotes whoever the
    sentence before it reports ("Smith said the talks failed. “We tried everything.”")."""
    if _heading(text, quote):
        return None  # a subheading: see headings_fill
    if not earlier or not earlier[-1].speaker:
        return _reported(text, quote, earlier)
    previous = earlier[-1]
    if not _carries_on(text, previous, quote.start, quote.start):
        return _reported(text, quote, earlier)
    return Speaker(previous.speaker, previous.label, "continuation")


def dropped_subject(text: QuoteText, quote: Quote, earlier: list[Quote], at: int) -> Speaker | None:
    """A speech verb with no subject ("Agregando que se “…”", "Finalmente, indicaron que “…”")
    goes on with the last quote's speaker, an organisation as well as a person, when nobody
    else is named since; else it is read as "he" or "she"."""
    previous = earlier[-1] if earlier else None
    sentence = text.sentences[text.sentence(at)][0]
    if previous and previous.speaker and _carries_on(text, previous, sentence, quote.start):
        return Speaker(previous.speaker, previous.label, "pronoun")
    return pronoun_referent(text, at, earlier, "PER")


def _carries_on(text: QuoteText, previous: Quote, opening: int, until: int) -> bool:
    """Whether the previous quote's speaker still holds the floor at ``until``: in the same
    paragraph, or in the next when ``opening`` opens it, with no other person named between."""
    gap = text.paragraph(opening) - text.paragraph(previous.start)
    if gap > 1 or (gap == 1 and not _opens_paragraph(text, opening)):
        return False
    # Names in the previous quote's own sentence are its attribution ("Will Moy, head of
    # Full Fact, told the BBC"); a person named in a sentence after it takes the floor.
    after = text.sentences[text.sentence(previous.start)][1]
    return not any(
        m[3] == "PER" and m[2] != previous.speaker
        for m in text.between(max(previous.end, after), until)
    )


def _reported(text: QuoteText, quote: Quote, earlier: list[Quote]) -> Speaker | None:
    """The speaker of the sentence right before a quote that opens its own sentence, when
    that sentence reports speech ("Snegovaya said the talks were symbolic. “Both sides…”").
    Sentences in a mood that reports speech (German's Konjunktiv I) carry it on: the quote
    after them, or inside one, is said by whoever the last speech verb before them names."""
    index = text.sentence(quote.start)
    # Windows, not whole sentences: a crafted body of one endless sentence with thousands of
    # quotes must not be read once per quote.
    lead = max(text.sentences[index][0], quote.start - _SENTENCE_CHARS)
    inside = bool(_NON_BLANK.search(text.masked, lead, quote.start))
    if index == 0 or (inside and not _in_reported_mood(text, text.masked[lead : quote.start])):
        return None
    own = min(text.sentences[index][1], quote.end + _SENTENCE_CHARS)
    if ANY_VERB.search(text.masked, quote.end, own):
        return None  # its own attribution ("," the source said'), which names nobody
    # A quote inside a sentence in the reported mood links back from where that sentence starts.
    anchor = text.sentences[index][0] if inside else quote.start
    for back in range(index - 1, max(index - _REPORTED_REACH, 0) - 1, -1):
        start, end = text.sentences[back]
        start = max(start, end - _SENTENCE_CHARS)
        if not _NON_BLANK.search(text.masked, start, end):
            continue  # a line break on its own
        gap = text.paragraph(anchor) - text.paragraph(start)
        if gap > 1 or (gap == 1 and not _opens_paragraph(text, anchor)):
            return None
        verb = ANY_VERB.search(text.masked, start, end)
        if verb is not None:
            break
        if not _in_reported_mood(text, text.masked[start:end]):
            return _subject_before(text, start, end) if gap == 0 and not inside else None
        anchor = start
    else:
        return None
    said = _says(text, start, end, "PER") or _says(text, start, end, "ORG")
    if said:  # "…, kritisierte Lucke weiter."
        return Speaker(said.name, said.label, "reported")
    pronoun = PRONOUN_SUBJECT.search(text.masked[start : verb.start()])
    if pronoun:
        return pronoun_referent(
            text, start + pronoun.start("p"), earlier, pronoun_label(pronoun["p"])
        )
    pronoun = PRONOUN_RIGHT_AFTER.match(text.masked, verb.end())
    if pronoun:  # "„…“, sagte sie in einem Interview."
        return pronoun_referent(text, pronoun.start("p"), earlier, pronoun_label(pronoun["p"]))
    found = named_subject(text, start, verb.start()) or name_before_verb(text, start, verb.start())
    if found is None:  # "Der AStA betonte", "The BBC reported"
        subject = text.masked[start : verb.start()]
        found = name_at(
            text,
            start + len(subject) - len(subject.lstrip()),
            DEFINITE_ACRONYM.match(subject.lstrip()),
        )
    return Speaker(found.name, found.label, "reported") if found else None


def _subject_before(text: QuoteText, start: int, end: int) -> Speaker | None:
    """The person who opens the sentence right before a quote in the same paragraph, as its
    subject: "Bridenstine expects three rockets by 2024. “Adding another could…”"."""
    opening = _NON_BLANK.search(text.masked, start, end)
    first = text.between(start, end)[:1]
    if not (opening and first and first[0][0] == opening.start() and first[0][3] == "PER"):
        return None
    _, stop, name, _ = first[0]
    words = name.split()
    if possessive(text.body, stop) or not words[0][:1].isupper():
        return None  # "Bolger’s lawyer, Jeremy Robinson, had …" is not Bolger
    if any(w.casefold() in NOT_NAME_WORDS for w in words):
        return None  # read without a model: "Benötigen Sie …?"
    return Speaker(name, "PER", "reported")


def _in_reported_mood(text: QuoteText, sentence: str) -> bool:
    mood = text.reported_mood
    return bool(mood and mood.search(sentence) and not FIRST_PERSON.search(sentence))


def _opens_paragraph(text: QuoteText, pos: int) -> bool:
    """Only blanks between the line break before ``pos`` (or the body's start) and it."""
    return bool(_LINE_OPENS.search(text.body, max(0, pos - _BLANK_CHARS), pos))


def _ends_line(text: QuoteText, pos: int) -> bool:
    return bool(_LINE_ENDS.match(text.body, pos, pos + _BLANK_CHARS))


def back_fill(text: QuoteText, quotes: list[Quote]) -> None:
    """A quote left open at its paragraph's end is said by whoever says the paragraph that
    continues it."""
    for quote, following in reversed(list(pairwise(quotes))):
        next_paragraph = text.paragraph(following.start) - text.paragraph(quote.start) == 1
        if quote.open and quote.speaker is None and following.speaker and next_paragraph:
            quote.speaker, quote.label = following.speaker, following.label
            quote.how = "continuation"


def headings_fill(text: QuoteText, quotes: list[Quote]) -> None:
    """A subheading that is a quote ("“Haré todo lo necesario”" on a line of its own, with no
    full stop) excerpts a quote below it: it is said by whoever says the first of the next
    quotes that holds its first words."""
    for k, quote in enumerate(quotes):
        if quote.speaker is None and _heading(text, quote):
            opening = " ".join(quote.text.casefold().split()[:_HEADING_WORDS])
            source = next(
                (
                    q
                    for q in quotes[k + 1 : k + 1 + _HEADING_REACH]
                    if q.speaker and opening in q.text.casefold()
                ),
                None,
            )
            if source is not None:
                quote.speaker, quote.label, quote.how = source.speaker, source.label, "heading"


def _heading(text: QuoteText, quote: Quote) -> bool:
    """A quote alone on its line, with no full stop."""
    return (
        _opens_paragraph(text, quote.start)
        and _ends_line(text, quote.end)
        and not quote.text.rstrip().endswith((".", "!", "?", "…"))
    )
