"""The headline without site name or section, by agreement between the page's titles."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from worker.pipeline.extract.metadata import PageMeta

# Separators sites put between headline, section and site name. A colon is not one:
# "Brexit: what happens next" is a whole headline.
SEP_RE = re.compile(r"(\s+[|\-–—·»/:]{1,2}\s+|\s*[|｜]\s*)")
WORD_RE = re.compile(r"\w+")
# An end segment this short (characters) and under half the longest is a section/site.
MAX_AFFIX_CHARS = 30


def norm(text: str) -> str:
    return " ".join(WORD_RE.findall(text.lower()))


def _is_affix(segment: str, longest: int, sites: set[str]) -> bool:
    key = norm(segment)
    if any(site and (site in key or key in site) for site in sites if key):
        return True
    return len(segment) <= MAX_AFFIX_CHARS and len(segment) * 2 <= longest


def strip_affixes(title: str, sites: set[str]) -> str:
    """Drop site-name and section segments from both ends of ``title``."""
    parts = SEP_RE.split(title.strip())
    segments = parts[::2]
    if len(segments) < 2:
        return title.strip()
    longest = max(len(s) for s in segments)
    start, end = 0, len(segments)
    while end - start > 1 and _is_affix(segments[start], longest, sites):
        start += 1
    while end - start > 1 and _is_affix(segments[end - 1], longest, sites):
        end -= 1
    return "".join(parts[2 * start : 2 * end - 1]).strip()


def site_names(meta: PageMeta, site_name: str | None, url: str | None) -> set[str]:
    names = {norm(site_name or ""), norm(meta.meta.get("application-name", ""))}
    host = urlsplit(url or meta.canonical_url or "").hostname or ""
    labels = [label for label in host.split(".") if label not in ("www", "m", "amp")]
    if labels:
        # "nytimes" from www.nytimes.com; "elpais" from elpais.com
        names.add(labels[0] if len(labels) < 3 else labels[-2])
    names.discard("")
    return names


def _sources(meta: PageMeta) -> list[str]:
    headline = meta.jsonld.get("headline")
    found = [
        headline if isinstance(headline, str) else "",
        meta.meta.get("og:title", ""),
        meta.h1[0] if len(meta.h1) == 1 else "",
        meta.meta.get("twitter:title", ""),
        meta.title_tag,
    ]
    return [" ".join(t.split()) for t in found if t and t.strip()]


def _support(title: str, others: list[str]) -> int:
    key = norm(title)
    return sum(1 for other in others if key and key in norm(other))


def pick_title(meta: PageMeta, site_name: str | None, url: str | None) -> str:
    """The stripped source that most other sources contain; earlier sources win ties."""
    sites = site_names(meta, site_name, url)
    sources = _sources(meta)
    stripped = [strip_affixes(s, sites) for s in sources]
    if not stripped:
        return ""
    best = max(range(len(stripped)), key=lambda i: (_support(stripped[i], sources), -i))
    return stripped[best]
