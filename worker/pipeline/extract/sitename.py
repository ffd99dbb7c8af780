"""The names a page gives its site, and titles stripped of them.

A segment of ``<title>``/``og:title`` is stripped only when it *is* the site's name
(og:site_name, the JSON-LD publisher, application-name, the front-page link of a logo h1 or
the domain's label, compared case- and accent-insensitively) or a section the URL names as
a folder. A kicker before a colon or a clause after a dash is part of the headline; a short
segment is not a section just because it is short.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from worker.pipeline.extract.metadata import PageMeta, jsonld_names

# Separators sites put between headline and site name. " : " with spaces is one (French
# spacing puts kickers there too, but only a segment that is the site's name is removed).
SEP_RE = re.compile(r"(\s+[|\-–—·»«/:~]{1,2}\s+|\s*[|｜│]\s*|\s*::\s*)")
WORD_RE = re.compile(r"\w+")
# Second-level labels under a country code: "bbc" in bbc.co.uk, not "co".
SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go", "gv"}
# Tokens a site's name carries around its brand: "DER SPIEGEL", "ZEIT ONLINE", "stern.de".
# More than this many other tokens and the segment is a phrase that mentions the brand.
MAX_EXTRA_TOKENS = 1
MAX_NAME_WORDS = 6
MAX_SECTION_WORDS = 3


def fold(text: str) -> list[str]:
    """Lowercased words without accents: "Süddeutsche" and "suddeutsche" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return WORD_RE.findall(bare)


def clean(text: str) -> str:
    return " ".join(text.split())


def domain_label(url: str | None) -> str:
    """ "spiegel" for www.spiegel.de, "bbc" for www.bbc.co.uk, "orf" for wien.orf.at."""
    host = (urlsplit(url or "").hostname or "").lower()
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2:
        return ""
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3]
    return labels[-2]


def site_names(meta: PageMeta, site_name: str | None, url: str | None) -> list[list[str]]:
    """Every name the page gives its site, as folded word lists (an h1 that links to the
    front page is the site's logo, so its text is a name too)."""
    raw = [
        site_name or "",
        meta.meta.get("og:site_name", ""),
        meta.meta.get("application-name", ""),
        *jsonld_names(meta.jsonld.get("publisher")),
        *meta.logos,
        domain_label(url or meta.canonical_url or meta.meta.get("og:url")),
    ]
    names = [fold(name) for name in raw if name and not _misdeclared(name)]
    return [name for name in names if name]


def _misdeclared(name: str) -> bool:
    # Some pages put the page title in og:site_name: a name holding a separator, or longer
    # than a name gets, would make every headline look like "part of the site's name".
    return bool(SEP_RE.search(name)) or len(fold(name)) > MAX_NAME_WORDS


def is_site(segment: str, sites: list[list[str]]) -> bool:
    """Whether ``segment`` is one of the site's names, give or take "der"/"online"/".de"."""
    words = fold(segment)
    if not words:
        return False
    compact = "".join(words)
    for site in sites:
        joined = "".join(site)
        if compact == joined or (compact.startswith(joined) and len(compact) - len(joined) <= 3):
            return True
        if set(site) <= set(words) and len(words) - len(site) <= MAX_EXTRA_TOKENS:
            return True
        if 2 * len(words) >= len(site) > len(words) and " ".join(words) in " ".join(site):
            return True  # "Süddeutsche" for "Süddeutsche Zeitung"
    return False


def sections(url: str | None) -> list[list[str]]:
    """The folders of the URL's path ("politik" of /politik/ausland/a-123.html): a title
    segment that repeats one names the page's section, not its story."""
    parts = [part for part in urlsplit(url or "").path.split("/") if part]
    folders = (fold(folder) for folder in parts[:-1])  # the last part is the story's slug
    # Some sites nest the slug in folders too: a section's name is a word or three.
    return [words for words in folders if 0 < len(words) <= MAX_SECTION_WORDS]


def _removable(segment: str, sites: list[list[str]], folders: list[list[str]]) -> bool:
    words = fold(segment)
    if not words:  # "Headline |" ends in nothing
        return True
    return is_site(segment, sites) or "".join(words) in {"".join(f) for f in folders}


def _named(segment: str, sites: list[list[str]]) -> bool:
    """Whether ``segment`` is exactly one of the site's names (``is_site`` also takes a
    name with a word or two around it)."""
    compact = "".join(fold(segment))
    return bool(compact) and any(compact == "".join(site) for site in sites)


def strip_site(title: str, sites: list[list[str]], folders: list[list[str]] | None = None) -> str:
    """Drop segments naming the site (or the section of ``folders``, see ``sections``)
    from both ends of ``title``; nothing else is removed."""
    folders = folders or []
    parts = SEP_RE.split(clean(title))
    segments = parts[::2]
    start, end = 0, len(segments)
    while end - start > 1 and _removable(segments[start], sites, folders):
        start += 1
    # "Headline | Site | Slogan": what follows the site's very name is the site's too.
    end = next((k for k in range(start + 1, end - 1) if _named(segments[k], sites)), end)
    while end - start > 1 and _removable(segments[end - 1], sites, folders):
        end -= 1
    return "".join(parts[2 * start : 2 * end - 1]).strip()


def strip_affixes(title: str, sites: set[str]) -> str:
    """``strip_site`` for names given as plain strings."""
    return strip_site(title, [fold(site) for site in sites if fold(site)])
