"""One article as `ingest show` gives it: the record, its revisions, its duplicates.

An ID is an article id (the item key that stored it), the item key of any item (a duplicate
shows its original), or an http(s) URL (canonicalised; the current revision at that URL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, or_, select

from worker.core.models import Status
from worker.pipeline.normalise import canonical_url
from worker.store.schema import articles, items

# Revision chains are short; this only bounds a corrupted, cyclic one.
_MAX_STEPS = 1000
SUMMARY = ("id", "seq", "title", "url", "created_at", "fingerprint", "revision_of", "superseded_by")


def resolve(conn: Connection, ident: str) -> list[str]:
    """Article ids that ``ident`` names (empty: none): one, or every one at a URL."""
    if ident.startswith(("http://", "https://")):
        return articles_at(conn, ident)
    row = conn.execute(select(articles.c.id).where(articles.c.id == ident)).first()
    if row is not None:
        return [row.id]
    query = select(items.c.article_id).where(items.c.item_key == ident)
    found = conn.execute(query).scalar_one_or_none()
    if found is None:
        return []
    exists = conn.execute(select(articles.c.id).where(articles.c.id == found)).first()
    return [found] if exists else []


def articles_at(conn: Connection, url: str) -> list[str]:
    """Articles whose URL or canonical URL is ``url``, newest first."""
    canonical = canonical_url(url)
    match = [articles.c.url == url]
    if canonical:
        match.append(articles.c.canonical_url == canonical)
    query = select(articles.c.id).where(or_(*match)).order_by(articles.c.seq.desc())
    return list(conn.execute(query).scalars())


def chain(conn: Connection, start: list[str]) -> list[str]:
    """Every revision linked to ``start`` (older and newer), in commit order."""
    found: dict[str, int] = {}
    frontier = set(start)
    for _ in range(_MAX_STEPS):
        if not frontier:
            break
        query = select(articles.c.id, articles.c.seq, articles.c.revision_of).where(
            or_(articles.c.id.in_(frontier), articles.c.revision_of.in_(frontier))
        )
        linked: set[str] = set()
        for row in conn.execute(query):
            found.setdefault(row.id, row.seq or 0)
            linked |= {row.id, *([row.revision_of] if row.revision_of else [])}
        frontier = linked - set(found)
    return sorted(found, key=lambda key: (found[key], key))


def show(conn: Connection, ident: str) -> dict[str, Any] | None:
    """The article ``ident`` names, all its revisions, every duplicate of any of them."""
    ids = resolve(conn, ident)
    if not ids:
        return None
    every = chain(conn, ids)
    cols = [c for c in articles.c if c.name not in ("near_sig", "story_vec", "story_evidence")]
    rows = {r["id"]: _jsonable(dict(r)) for r in conn.execute(
        select(*cols).where(articles.c.id.in_(every))).mappings()}  # fmt: skip
    return {
        "article": rows[ids[0]],  # a URL names its newest revision
        "revisions": [{k: rows[i][k] for k in SUMMARY} for i in every],
        "duplicates": _duplicates(conn, every),
        "similar": _similar(conn, every),
    }


def _duplicates(conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
    cols = ("item_key", "duplicate_of", "method", "similarity", "source", "url", "title",
            "external_id", "finished_at")  # fmt: skip
    query = (
        select(*(items.c[c] for c in cols))
        .where(items.c.status == Status.DUPLICATE, items.c.duplicate_of.in_(ids))
        .order_by(items.c.finished_at, items.c.item_key)
    )
    return [_jsonable(dict(r)) for r in conn.execute(query).mappings()]


def _similar(conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
    """Longer texts stored at other URLs that contain one of these revisions."""
    query = select(articles.c.id, articles.c.url, articles.c.title).where(
        articles.c.similar_to.in_(ids)
    )
    return [dict(r) for r in conn.execute(query.order_by(articles.c.seq)).mappings()]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
