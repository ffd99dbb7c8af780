"""Body text candidates from different extractors, all working on one parsed tree."""

from __future__ import annotations

import html as htmllib
import re
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura.external import sanitize_tree, try_readability
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

TAG_RE = re.compile(r"<[^>]{0,2000}>")
SPACE_RE = re.compile(r"[ \t\u00a0\u200b]+")


@dataclass(frozen=True)
class Candidate:
    """One extractor's idea of the article body, paragraphs separated by newlines."""

    name: str
    text: str


def _tidy(text: str) -> str:
    lines = (SPACE_RE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def from_trafilatura(tree: HtmlElement, url: str | None) -> Candidate:
    # favor_precision keeps fewer side blocks; fast=True skips trafilatura's own
    # readability/justext fallback because we run readability once ourselves and choose
    # with more signals than trafilatura's length rules. bare_extraction copies the tree.
    doc = trafilatura.bare_extraction(
        tree, url=url, fast=True, favor_precision=True, include_comments=False
    )
    text = getattr(doc, "text", None) or ""
    return Candidate("trafilatura", _tidy(text))


def from_readability(tree: HtmlElement) -> Candidate:
    # trafilatura's port of readability is about 3x faster than readability-lxml and the
    # same cleaning as trafilatura's output (tree_cleaning, tag conversion) applies to it.
    body = try_readability(deepcopy(tree))
    if not len(body):
        return Candidate("readability", "")
    cleaned, _ = sanitize_tree(body, Extractor())
    return Candidate("readability", _tidy(xmltotxt(cleaned, False)))


def from_jsonld(jsonld: dict[str, Any]) -> Candidate:
    body = jsonld.get("articleBody")
    if isinstance(body, list):
        body = "\n".join(str(part) for part in body)
    if not isinstance(body, str):
        return Candidate("jsonld", "")
    # Some sites put escaped HTML in articleBody; keep paragraph breaks, drop tags.
    text = re.sub(r"(?i)<\s*(?:br|/p|/div|/h\d|/li)\b[^>]*>", "\n", body)
    return Candidate("jsonld", _tidy(htmllib.unescape(TAG_RE.sub(" ", text))))
