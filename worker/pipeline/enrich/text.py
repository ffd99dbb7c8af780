"""Text helpers shared by the enrichment stages: apostrophes, words, reading time."""

from __future__ import annotations

import math
import re

# The typographic apostrophe (and its look-alikes) is replaced by the ASCII one, one
# character for one character, so every offset computed on the normalised text is also an
# offset into the original body.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'"})

WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# An elided article, pronoun or preposition glued to the next word: "d'Oman", "l'Économie",
# "dell'Anci", "s'exprimera" (group 1: the elided word).
LEADING_ELISION = re.compile(r"^([^\W\d_]{1,4})['’](?=[^\W\d_])")

# Silent reading speed of adults in most European languages (Brysbaert 2019: ~238 wpm).
DEFAULT_WORDS_PER_MINUTE = 230


def normalise_apostrophes(text: str) -> str:
    """Same length as ``text``; the tokenizers' elision rules (``n'``, ``qu'``) then apply."""
    return text.translate(_APOSTROPHES)


def word_count(text: str) -> int:
    """Words as a reader counts them: ``l’Iran`` and ``Amir-Abdollahian`` are one word."""
    return len(WORD_RE.findall(text))


def reading_time_minutes(words: int, words_per_minute: int = DEFAULT_WORDS_PER_MINUTE) -> int:
    """Whole minutes, rounded up, so any non-empty article reads in at least one minute."""
    return math.ceil(words / words_per_minute) if words else 0
