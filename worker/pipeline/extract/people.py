"""Authors and site name, as the page declares them."""

from __future__ import annotations

from worker.pipeline.authors import clean_authors
from worker.pipeline.extract.metadata import PageMeta, jsonld_names


def pick_authors(meta: PageMeta) -> list[str]:
    """Person names from JSON-LD, else from the author meta tags (bylines cleaned); the
    site or its publisher named as the author is not a person."""
    sites = {name.casefold() for name in _site_names(meta)}
    from_jsonld = clean_authors(jsonld_names(meta.jsonld.get("author")))
    from_tags = meta.meta.get("author") or meta.meta.get("article:author") or ""
    for names in (from_jsonld, clean_authors(from_tags)):
        people = [name for name in names if name.casefold() not in sites]
        if people:
            return people
    return []


def _site_names(meta: PageMeta) -> list[str]:
    publisher = jsonld_names(meta.jsonld.get("publisher"))
    found = (meta.meta.get("og:site_name"), *publisher, meta.meta.get("application-name"))
    return [" ".join(name.split()) for name in found if name and name.strip()]


def pick_site_name(meta: PageMeta) -> str | None:
    return next(iter(_site_names(meta)), None)
