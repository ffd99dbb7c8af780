"""Structured metadata a page declares: JSON-LD, <meta> tags, <html lang>, canonical link."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

# JSON-LD types that describe the article itself rather than the site or a breadcrumb.
ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "blogposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
    "techarticle",
}


@dataclass(frozen=True)
class PageMeta:
    """What a page says about itself, before we judge whether to believe it."""

    jsonld: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    html_lang: str | None = None
    lang_region: str | None = None  # "br" of "pt-BR": where the readers likely are
    canonical_url: str | None = None
    h1: list[str] = field(default_factory=list)
    title_tag: str = ""
    logos: list[str] = field(default_factory=list)  # h1s that only link to the front page
    h1_parts: list[list[str]] = field(default_factory=list)  # each h1 in its spans' pieces
    banner: list[str] = field(default_factory=list)  # h1s that link away or head the page


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    # JSON-LD nests articles in lists, @graph arrays and mainEntity; walk them all.
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(node.get(key), list | dict):
                yield from _walk(node[key])


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower().rsplit("/", 1)[-1] for k in kinds}


def _load_json(text: str) -> Any:
    try:
        # strict=False: many sites leave raw newlines inside JSON strings.
        return json.loads(text.strip().rstrip(";"), strict=False)
    except (ValueError, RecursionError):
        return None


def article_jsonld(tree: HtmlElement) -> dict[str, Any]:
    """The first JSON-LD object typed as an article, else {}."""
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        for node in _walk(_load_json(script.text or "")):
            if _types(node) & ARTICLE_TYPES:
                return node
    return {}


def meta_tags(tree: HtmlElement) -> dict[str, str]:
    """First content per lowercased ``property``/``name``/``itemprop`` of <meta> tags."""
    found: dict[str, str] = {}
    for el in tree.iterfind(".//meta[@content]"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        content = (el.get("content") or "").strip()
        if key and content:
            found.setdefault(key.strip().lower(), content)
    return found


def html_lang(tree: HtmlElement) -> str | None:
    """The two-letter primary subtag of <html lang>, lowercased ("pt-BR" -> "pt")."""
    root = tree.getroottree().getroot()
    raw = root.get("lang") or root.get("xml:lang") or ""
    primary = raw.strip().replace("_", "-").split("-")[0].lower()
    return primary if len(primary) == 2 and primary.isalpha() else None


def lang_region(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    """The region of the page's language, lowercased: of <html lang> ("pt-BR" -> "br"),
    else of its og:locale ("de_AT" -> "at")."""
    root = tree.getroottree().getroot()
    for raw in (root.get("lang") or root.get("xml:lang") or "", meta.get("og:locale", "")):
        parts = raw.strip().replace("_", "-").lower().split("-")
        if len(parts) > 1 and len(parts[-1]) == 2 and parts[-1].isalpha():
            return parts[-1]
    return None


def canonical_url(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    for link in tree.iterfind(".//link[@href]"):
        if "canonical" in (link.get("rel") or "").lower().split():
            href = (link.get("href") or "").strip()
            if href.startswith(("http://", "https://")):
                return href
    return meta.get("og:url") or None


def _text(el: HtmlElement) -> str:
    return " ".join(el.text_content().split())


HOME_PATHS = {"", "/", "./", "/index.html", "/index.php", "/home"}


def _is_home_link(heading: HtmlElement) -> bool:
    """An h1 that is nothing but a link to the site's front page is the logo, not a title."""
    links = heading.findall(".//a[@href]")
    if len(links) != 1 or _text(links[0]) != _text(heading):
        return False
    return urlsplit(links[0].get("href", "").strip()).path.lower() in HOME_PATHS


# Classes that hide an element from sight and keep it for screen readers (Bootstrap,
# WordPress): such an h1 labels the page's region, the reader sees another headline.
SCREEN_READER_RE = re.compile(r"\b(sr-only|screen-reader-text|visually-hidden)\b")


def _in_banner(heading: HtmlElement) -> bool:
    """An h1 holding a link (to a section, another site) or set in the page's own header,
    outside any article or main element, belongs to the site's banner more often than
    it is the story's headline."""
    if heading.find(".//a[@href]") is not None or SCREEN_READER_RE.search(heading.get("class", "")):
        return True
    tags = {ancestor.tag for ancestor in heading.iterancestors()}
    return "header" in tags and not tags & {"article", "main"}


# Kicker and headline often sit in sibling spans with no space between them in the HTML.
BREAKING_TAGS = {"br", "span", "div", "p", "small"}
GAP = "\x00"  # a space we add, dropped again before punctuation ("Kicker" + ":")
GAP_BEFORE_PUNCT_RE = re.compile(GAP + r"+(?=[:,.;!?])")
MAX_HEADINGS = 5


def heading_parts(heading: HtmlElement) -> list[str]:
    """The heading's text in the pieces that a span or a line break sets apart (a kicker,
    the headline, a dateline), punctuation kept with the piece it follows."""
    parts: list[str] = []
    # Iterative: a hostile page may nest elements deeper than Python's recursion limit.
    for event, el in etree.iterwalk(heading, events=("start", "end")):
        gap = GAP if el.tag in BREAKING_TAGS else ""
        if event == "start":
            parts.extend([gap, el.text or "" if isinstance(el.tag, str) else ""])
        else:
            parts.extend([gap, el.tail or "" if el is not heading else ""])
    text = GAP_BEFORE_PUNCT_RE.sub("", "".join(parts))
    pieces = (" ".join(piece.split()) for piece in text.split(GAP))
    return [piece for piece in pieces if piece]


def _headings(tree: HtmlElement, logos: bool) -> list[list[str]]:
    found = (heading_parts(h) for h in tree.iterfind(".//h1") if _is_home_link(h) is logos)
    return [parts for parts in found if parts][:MAX_HEADINGS]


def headings(tree: HtmlElement, logos: bool = False) -> list[str]:
    """The texts of the page's h1 elements; with ``logos``, of those that are its logo."""
    return [" ".join(parts) for parts in _headings(tree, logos)]


def read_meta(tree: HtmlElement) -> PageMeta:
    meta = meta_tags(tree)
    title = tree.find(".//title")
    h1_parts = _headings(tree, logos=False)
    return PageMeta(
        jsonld=article_jsonld(tree),
        meta=meta,
        html_lang=html_lang(tree),
        lang_region=lang_region(tree, meta),
        canonical_url=canonical_url(tree, meta),
        h1=[" ".join(parts) for parts in h1_parts],
        h1_parts=h1_parts,
        logos=headings(tree, logos=True),
        title_tag=_text(title) if title is not None else "",
        banner=[" ".join(heading_parts(h)) for h in tree.iterfind(".//h1") if _in_banner(h)],
    )


def jsonld_names(node: Any) -> list[str]:
    """The names in a JSON-LD author or publisher: a string, an object with ``name``, or a
    list of either."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return jsonld_names(node.get("name"))
    if isinstance(node, list):
        return [name for item in node for name in jsonld_names(item)]
    return []
