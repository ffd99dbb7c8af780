"""The headline as the page displays it, without the site's name.

The displayed headline when the page's titles confirm it (``headline``); else the page's
one h1 unless it belongs to the banner; else the title the page's other titles support
most, stripped of the site's name (``sitename``). The URL's slug, a kicker set apart in the
h1 and the page's typographic spelling settle the rest (``title_rules``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from worker.pipeline.extract.headline import displayed, jsonld_headline, sole_heading
from worker.pipeline.extract.metadata import PageMeta
from worker.pipeline.extract.sitename import (
    clean,
    domain_label,
    fold,
    is_site,
    sections,
    site_names,
    strip_affixes,
    strip_site,
)
from worker.pipeline.extract.title_rules import (
    slug_segment,
    strip_brand,
    strip_cjk_site,
    trim_separators,
    typographic,
    uncut,
    without_kicker,
)

__all__ = ["domain_label", "is_site", "pick_title", "strip_affixes"]


def _support(title: str, others: list[str]) -> int:
    key = " ".join(fold(title))
    return sum(1 for other in others if key and key in " ".join(fold(other)))


def pick_title(meta: PageMeta, site_name: str | None, url: str | None) -> str:
    """The displayed headline when the page's titles confirm it, else the title that the
    page's other titles support most, stripped of the site's name."""
    sites = site_names(meta, site_name, url)
    raw = uncut(
        [
            meta.meta.get("og:title", ""),
            meta.meta.get("twitter:title", ""),
            meta.title_tag,
        ]
    )
    folders = sections(url or meta.canonical_url)
    label = domain_label(url or meta.canonical_url or meta.meta.get("og:url"))
    titles = [
        strip_cjk_site(strip_brand(strip_site(t, sites, folders), label))
        for t in raw
        if t and t.strip()
    ]
    titles = [t for t in titles if t and not is_site(t, sites)]
    raw = [t for t in raw if t]
    context = [*raw, urlsplit(url or meta.canonical_url or "").path]
    shown = displayed(meta, sites, titles, raw) or sole_heading(meta, sites, context)
    if shown:
        # A displayed headline keeps a clause the slug leaves out, not a kicker before it.
        shown = slug_segment([shown], url or meta.canonical_url, ending=True) or shown
        return without_kicker(shown, meta.h1, meta.h1_parts, titles)
    slugged = slug_segment(raw, url or meta.canonical_url)
    if slugged:
        return trim_separators(slugged)
    if not titles:  # no title, or only the site's name (a home-page style <title>)
        headings = [jsonld_headline(meta), *meta.h1]
        return next((clean(h) for h in headings if h.strip() and not is_site(h, sites)), "")
    best = max(range(len(titles)), key=lambda i: (_support(titles[i], titles), -i))
    return trim_separators(typographic(titles[best], titles))
