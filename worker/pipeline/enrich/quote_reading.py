"""A body read for attribution: its sentences and paragraphs, the entity mentions and
people it names, all with every quotation blanked out, so the words inside a quote never
name its speaker. With no model, capitalised names stand for the mentions.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from worker.pipeline.enrich.name_words import NOUNS_CAPITALISED
from worker.pipeline.enrich.quote_marks import Quote
from worker.pipeline.enrich.quote_patterns import REPORTED_MOOD
from worker.pipeline.enrich.quote_people import MentionRow, capitalised_names

# A sentence ends at . ! ? (and the closing quote marks after it) before a space, or at a
# line break; not after an abbreviation or an initial ("Lt. Col.", "U.S.", "Sonya A.").
# A run of stops is tried once, from its first character and without giving any back: a
# body of 200,000 dots took minutes when every position of the run was tried.
_BOUNDARY = re.compile(r"(?<![.!?…])[.!?…]++[”\"’»“)]*+(?=\s)|\n")
_ABBREVIATION = re.compile(
    r"(?:\A|[\s(])(?:[A-Z]|(?:[A-Za-z]\.)+[A-Za-z]|Mr|Mrs|Ms|Dr|Jr|Sr|St|Lt|Col|Gen|Gov|Sen|Rep"
    r"|Sgt|Capt|Prof|Rev|Mt|Ft|No|Nr|Inc|Co|Corp|Ltd|Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec"
    r"|M|Mme|Sra?|Dra?)\Z"
)
_PARAGRAPH = re.compile(r"\n\s*")
_ORDINAL = re.compile(r"(?<![\d.,])\d{1,3}\Z")


@dataclass(frozen=True)
class QuoteText:
    """The body with every quotation blanked, its sentences, paragraphs and mentions."""

    body: str
    masked: str
    sentences: list[tuple[int, int]]
    starts: list[int]  # sentence starts, for bisect
    paragraphs: list[int]  # where each paragraph after the first starts
    mentions: list[MentionRow]  # outside quotations, in text order
    nouns_capitalised: bool  # German: a capital says nothing of a name
    reported_mood: re.Pattern[str] | None  # German's Konjunktiv I: a sentence reports speech
    mention_starts: list[int]  # for bisect: a long body has many mentions and quotes
    people: dict[str, str]  # a person's full name or surname, folded -> the merged name

    def sentence(self, pos: int) -> int:
        return max(bisect_right(self.starts, pos) - 1, 0)

    def between(self, start: int, end: int) -> list[MentionRow]:
        """The mentions that start in [start, end)."""
        first = bisect_left(self.mention_starts, start)
        return self.mentions[first : bisect_left(self.mention_starts, end, first)]

    def paragraph(self, pos: int) -> int:
        return bisect_right(self.paragraphs, pos)


def read_quotes(
    body: str, quotes: list[Quote], mentions: Sequence[MentionRow], language: str | None
) -> QuoteText:
    nouns_capitalised = language in NOUNS_CAPITALISED
    masked = list(body)
    for quote in quotes:
        masked[quote.start : quote.end] = " " * (quote.end - quote.start)
    blank = "".join(masked)
    sentences = _sentences(blank, quotes, ordinals=nouns_capitalised)
    quote_starts = [q.start for q in quotes]
    rows = sorted(mentions) or capitalised_names(blank, nouns_capitalised)
    outside = [m for m in rows if not _inside(m[0], quotes, quote_starts)]
    return QuoteText(
        body=body,
        masked=blank,
        sentences=sentences,
        starts=[s for s, _ in sentences],
        paragraphs=[m.end() for m in _PARAGRAPH.finditer(body)],
        mentions=outside,
        nouns_capitalised=nouns_capitalised,
        reported_mood=REPORTED_MOOD.get(language or ""),
        mention_starts=[m[0] for m in outside],
        people=_people(outside),
    )


def _inside(pos: int, quotes: list[Quote], starts: list[int]) -> bool:
    """Whether ``pos`` falls inside one of ``quotes`` (in text order, not overlapping)."""
    index = bisect_right(starts, pos) - 1
    return index >= 0 and pos < quotes[index].end


def _people(mentions: list[MentionRow]) -> dict[str, str]:
    """Each person's full name and surname, folded -> the merged name; the first person met
    wins a shared surname."""
    people: dict[str, str] = {}
    for _start, _end, canonical, label in mentions:
        if label == "PER":
            known = canonical.casefold()
            people.setdefault(known, canonical)
            people.setdefault(known.split()[-1], canonical)
    return people


def _sentences(masked: str, quotes: list[Quote], ordinals: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each sentence of the blanked body: the punctuation inside a quote
    never ends the sentence that holds it, but a quote that ends with a full stop and is
    followed by a capital ends its sentence ("…election.’’ Critically, it …")."""
    ends = [m.end() for m in _BOUNDARY.finditer(masked) if not _abbreviated(masked, m, ordinals)]
    ends += [q.end for q in quotes if q.text.endswith(".") and _capital_next(masked, q.end)]
    spans: list[tuple[int, int]] = []
    start = 0
    for end in sorted(set(ends)):
        if end > start:
            spans.append((start, end))
            start = end
    spans.append((start, len(masked)))
    return spans


def _abbreviated(masked: str, boundary: re.Match[str], ordinals: bool = False) -> bool:
    """A full stop after an abbreviation or an initial, or before a lower-case word; with
    ``ordinals`` (German), after a number of one to three digits ("zu ihrem 90. Geburtstag",
    "am 3. Oktober")."""
    if boundary[0] == "\n" or boundary[0][0] != ".":
        return False
    following = masked[boundary.end() : boundary.end() + 3].lstrip()
    if following[:1].islower():
        return True
    if ordinals and _ORDINAL.search(masked, max(0, boundary.start() - 4), boundary.start()):
        return True
    return bool(_ABBREVIATION.search(masked[max(0, boundary.start() - 12) : boundary.start()]))


def _capital_next(masked: str, pos: int) -> bool:
    following = masked[pos : pos + 40].lstrip(" \t")
    return not following or following[0] == "\n" or following[0].isupper()
