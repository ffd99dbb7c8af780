"""Named entities from a spaCy ``Doc``, cleaned of junk and with mentions merged: long
bodies cut into chunks for NER, and the entity stage's names in one place.

Mentions are read and cleaned in ``entity_mentions``, labelled in ``entity_labels`` and
merged (conservatively) in ``entity_merge``.
"""

from __future__ import annotations

from worker.pipeline.enrich.entity_labels import DROPPED, LABELS
from worker.pipeline.enrich.entity_mentions import (
    PRONOUNS,
    Mention,
    mentions_from_doc,
    without_common_words,
    without_heading_words,
)
from worker.pipeline.enrich.entity_merge import Entity, mention_index, merge_mentions

__all__ = [
    "CHUNK_CHARS",
    "DROPPED",
    "LABELS",
    "PRONOUNS",
    "Entity",
    "Mention",
    "mention_index",
    "mentions_from_doc",
    "merge_mentions",
    "split_chunks",
    "without_common_words",
    "without_heading_words",
]

# spaCy refuses texts over ``nlp.max_length`` (E088, 1,000,000 by default), and its memory
# grows with the longest text of a batch: a long body goes through NER in pieces of at most
# this, cut at paragraph ends (a few news articles' worth, so names are rarely cut).
CHUNK_CHARS = 20_000


def split_chunks(text: str, limit: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """``text`` as consecutive ``(start, piece)`` of at most ``limit`` characters, cut after
    a newline (a paragraph end) when there is one, else after a space, else anywhere.

    The pieces join back to ``text`` exactly, so offsets shift by ``start`` and no more.
    """
    limit = max(limit, 1)
    pieces: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = start + limit
        if end < len(text):
            cut = max(text.rfind("\n", start, end), -1)
            if cut <= start:
                cut = text.rfind(" ", start, end)
            end = cut + 1 if cut > start else end
        pieces.append((start, text[start:end]))
        start = end
    return pieces or [(0, text)]
