"""The article text from trafilatura, completed when the page splits its body in parts.

Trafilatura runs in its default (balanced) mode with its own fallback cascade: on both
development sets that beat precision mode plus a readability switch and a JSON-LD
``articleBody`` choice of our own, which only helped the set they were tuned on.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import trafilatura
from lxml.html import HtmlElement

SPACE_RE = re.compile(r"[ \t\u00a0\u200b]+")
WORD_RE = re.compile(r"\w+")
BLOCK_TAGS = ("p", "h2", "h3", "h4", "li", "blockquote")
# A part of a split body holds at least two real paragraphs and this much text; teasers,
# captions and disclaimers that share the body's class hold less.
MIN_PART_PARAGRAPH = 100
MIN_PART_CHARS = 400
# The parts are cousins in the tree: their nearest common ancestor is at most this many
# levels above the part trafilatura took. Other articles of a listing sit further apart.
MAX_PART_DISTANCE = 2
# A paragraph trafilatura kept is recognised by its words when it has this many characters.
MIN_MATCH_CHARS = 20


@dataclass(frozen=True)
class Candidate:
    """One extractor's idea of the article body, paragraphs separated by newlines."""

    name: str
    text: str


def _tidy(text: str) -> str:
    lines = (SPACE_RE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def words(text: str) -> str:
    return " ".join(WORD_RE.findall(text.lower()))


def from_trafilatura(tree: HtmlElement, url: str | None, prune: str | None = None) -> Candidate:
    # Comments are never the article. bare_extraction works on its own copy of the tree and
    # removes what ``prune`` (an XPath) selects from it first.
    doc = trafilatura.bare_extraction(tree, url=url, include_comments=False, prune_xpath=prune)
    text = getattr(doc, "text", None) or ""
    return Candidate("trafilatura", _tidy(text))


def _flat(el: HtmlElement) -> str:
    return " ".join(el.text_content().split())


def _container(tree: HtmlElement, kept: set[str]) -> HtmlElement | None:
    """The element whose own paragraphs trafilatura extracted most of."""
    parents: Counter[HtmlElement] = Counter()
    for p in tree.iter("p"):
        key = words(p.text_content())
        if len(key) > MIN_MATCH_CHARS and key in kept and p.getparent() is not None:
            parents[p.getparent()] += 1
    if sum(parents.values()) < 2:
        return None
    return parents.most_common(1)[0][0]


def _is_part(el: HtmlElement, top: HtmlElement) -> bool:
    """A sibling part of the body: real paragraphs, and no heading or article of its own
    between it and the common ancestor (that would be another story of a listing)."""
    long = [len(t) for t in (_flat(p) for p in el if p.tag == "p") if len(t) >= MIN_PART_PARAGRAPH]
    if len(long) < 2 or sum(long) < MIN_PART_CHARS:
        return False
    for ancestor in el.iterancestors():
        if ancestor is top:
            return True
        if ancestor.tag == "article" or any(
            el not in h.iterancestors() for h in ancestor.iter("h1", "h2", "h3")
        ):
            return False
    return False


def _paragraphs(part: HtmlElement, kept: set[str]) -> list[str]:
    blocks: list[HtmlElement] = []
    for block in part.iter(*BLOCK_TAGS):
        inside = any(a in blocks for a in block.iterancestors(*BLOCK_TAGS))
        if not inside and next(block.iterancestors("figure", "figcaption"), None) is None:
            blocks.append(block)
    texts = (_flat(b) for b in blocks)
    return [t for t in texts if t and words(t) not in kept]


def continued(tree: HtmlElement, candidate: Candidate) -> Candidate:
    """Add the other parts of a body split into same-class containers (around ads, say):
    trafilatura keeps the first container it finds and drops the rest of the article."""
    lines = candidate.text.split("\n")
    kept = {words(line) for line in lines}
    main = _container(tree, kept)
    if main is None or not main.get("class"):
        return candidate
    top = next((a for i, a in enumerate(main.iterancestors(), 1) if i == MAX_PART_DISTANCE), None)
    if top is None:
        return candidate
    before: list[str] = []
    after: list[str] = []
    seen_main = False
    for el in top.iter(main.tag):
        if el is main:
            seen_main = True
        elif el.get("class") == main.get("class") and _is_part(el, top):
            if main in el.iterancestors() or el in main.iterancestors():
                continue
            (after if seen_main else before).extend(_paragraphs(el, kept))
    if not before and not after:
        return candidate
    return Candidate(f"{candidate.name}+parts", "\n".join(before + lines + after))
