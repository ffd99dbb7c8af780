"""Authors and site name, as the page declares them."""

from __future__ import annotations

from typing import Any

from worker.pipeline.extract.metadata import PageMeta

MAX_AUTHORS = 10


def _names(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return _names(node.get("name"))
    if isinstance(node, list):
        return [name for item in node for name in _names(item)]
    return []


def _clean(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split()).strip(" ,;")
        # Profile URLs in article:author are not names.
        if name and not name.startswith(("http://", "https://")) and len(name) < 80:
            seen.setdefault(name.lower(), name)
    return list(seen.values())[:MAX_AUTHORS]


def pick_authors(meta: PageMeta) -> list[str]:
    from_jsonld = _clean(_names(meta.jsonld.get("author")))
    if from_jsonld:
        return from_jsonld
    raw = meta.meta.get("author") or meta.meta.get("article:author") or ""
    return _clean(raw.replace(" and ", ",").split(","))


def pick_site_name(meta: PageMeta) -> str | None:
    publisher = _names(meta.jsonld.get("publisher"))
    for candidate in (meta.meta.get("og:site_name"), *publisher, meta.meta.get("application-name")):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return None
