"""Choose the body among extractor candidates by measurable signals, then clean it."""

from __future__ import annotations

import re
from collections import Counter

from worker.pipeline.extract.boilerplate import clean_lines, drop_headline_lines
from worker.pipeline.extract.candidates import Candidate

TOKEN_RE = re.compile(r"\w+")

# Below this many characters trafilatura's precision mode has usually cut the article
# (teaser, paywall notice); then a readability text twice as long is the better bet.
SHORT_TEXT_CHARS = 600
# JSON-LD articleBody must cover this share of the visible text's shingles (and the
# visible text must cover as much of it) to count as the same article, not a teaser.
JSONLD_AGREEMENT = 0.9


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = TOKEN_RE.findall(text.lower())
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def containment(part: str, whole: str) -> float:
    """Share of ``part``'s 4-token shingles that also occur in ``whole``."""
    a, b = shingles(part), shingles(whole)
    return sum((a & b).values()) / max(1, sum(a.values()))


def _jsonld_agrees(jsonld: Candidate, visible: Candidate) -> bool:
    if len(jsonld.text) < SHORT_TEXT_CHARS or not visible.text:
        return False
    return (
        containment(visible.text, jsonld.text) >= JSONLD_AGREEMENT
        and containment(jsonld.text, visible.text) >= JSONLD_AGREEMENT
    )


def choose(main: Candidate, alternative: Candidate, jsonld: Candidate) -> Candidate:
    """Prefer trafilatura; switch when it is empty or clearly truncated."""
    if not main.text:
        return alternative
    if len(main.text) < SHORT_TEXT_CHARS and len(alternative.text) > 2 * len(main.text):
        return alternative
    # Structured data written by the publisher has clean paragraphs and no furniture;
    # trust it only when it says what the page shows (not a teaser or another story).
    if _jsonld_agrees(jsonld, main):
        return jsonld
    return main


def finish(candidate: Candidate, headlines: list[str]) -> Candidate:
    lines = drop_headline_lines(candidate.text.split("\n"), headlines)
    return Candidate(candidate.name, "\n".join(clean_lines(lines)))
