"""Deleting articles for corrections and take-downs, and keeping them from coming back.

``bury`` removes an article with every revision (records, dedup and near keys) and leaves a
tombstone per key that could store it again: its content fingerprint and loose fingerprint,
its canonical URL, its source's GUID. ``buried`` is the commit's check: an article holding
one of those keys is rejected (``deleted``), by any worker. ``unbury`` lifts the tombstones;
the articles are not restored, a new ingest stores them again.

The ledger keeps its history: the items that stored a deleted article stay ``stored``, their
message says when it was deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, or_, select, update

from worker.core.models import Article
from worker.pipeline.identity import loose_fingerprint
from worker.pipeline.normalise import canonical_url
from worker.store.records import articles_at, chain, resolve
from worker.store.schema import articles, dedup_keys, items, near_keys, tombstones

_CHUNK = 1000
_KEY_CHARS = 2000  # PostgreSQL's B-tree refuses keys near a page; URLs this long are junk


@dataclass(frozen=True)
class Grave:
    """The tombstone that keeps an incoming article out."""

    article_id: str
    request: str
    deleted_at: datetime


def keys_of(fingerprint: str | None, loose: str | None, canonical: str | None,
            source: str | None, external_id: str | None) -> list[str]:  # fmt: skip
    """The tombstone keys of one article (the same for a stored row and an incoming one)."""
    keys = [f"fp:{fingerprint}" if fingerprint else "", f"loose:{loose}" if loose else ""]
    keys.append(f"url:{canonical}" if canonical else "")
    keys.append(f"id:{source}\x1f{external_id}" if external_id else "")
    return [k[:_KEY_CHARS] for k in keys if k]


def buried(conn: Connection, incoming: Sequence[Article]) -> dict[str, Grave]:
    """Item key -> the tombstone of each incoming article that a deletion keeps out."""
    if not incoming or conn.execute(select(tombstones.c.key).limit(1)).first() is None:
        return {}  # nothing was ever deleted (the common case): no keys to compute
    wanted = {a.item_key: keys_of(a.fingerprint, loose_fingerprint(a.body), a.canonical_url,
                                  a.source, a.external_id) for a in incoming}  # fmt: skip
    every = sorted({k for keys in wanted.values() for k in keys})
    graves: dict[str, Grave] = {}
    for start in range(0, len(every), _CHUNK):  # bounded: SQLite caps bound parameters
        query = select(tombstones).where(tombstones.c.key.in_(every[start : start + _CHUNK]))
        graves.update((r.key, Grave(r.article_id, r.request, r.deleted_at))
                      for r in conn.execute(query))  # fmt: skip
    if not graves:
        return {}
    return {
        key: next(graves[k] for k in keys if k in graves)
        for key, keys in wanted.items()
        if any(k in graves for k in keys)
    }


def bury(conn: Connection, ident: str, now: datetime, by_url: bool = False) -> list[str]:
    """Delete what ``ident`` names (an ID, or with ``by_url`` a URL) with all its revisions;
    returns the article ids deleted (empty: nothing matched)."""
    start = articles_at(conn, ident) if by_url else resolve(conn, ident)
    ids = chain(conn, start) if start else []
    if not ids:
        return []
    rows = list(conn.execute(select(articles).where(articles.c.id.in_(ids))))
    _add_tombstones(conn, rows, ident, now)
    conn.execute(delete(near_keys).where(near_keys.c.article_id.in_(ids)))
    conn.execute(delete(dedup_keys).where(dedup_keys.c.article_id.in_(ids)))
    conn.execute(update(articles).where(articles.c.similar_to.in_(ids)).values(similar_to=None))
    conn.execute(delete(articles).where(articles.c.id.in_(ids)))
    note = f"article deleted {now.isoformat()} (ingest delete {ident})"[:500]
    conn.execute(update(items).where(items.c.article_id.in_(ids)).values(message=note))
    return ids


def _add_tombstones(conn: Connection, rows: Iterable[Any], request: str, now: datetime) -> None:
    new: dict[str, dict[str, Any]] = {}
    for r in rows:
        for key in keys_of(r.fingerprint, loose_fingerprint(r.body), r.canonical_url, r.source,
                           r.external_id):  # fmt: skip
            new.setdefault(key, {"key": key, "article_id": r.id, "request": request[:4000],
                                 "title": r.title, "deleted_at": now})  # fmt: skip
    held = set(conn.execute(select(tombstones.c.key).where(tombstones.c.key.in_(new))).scalars())
    fresh = [row for key, row in new.items() if key not in held]
    if fresh:
        conn.execute(tombstones.insert(), fresh)


def unbury(conn: Connection, ident: str, by_url: bool = False) -> list[str]:
    """Lift the tombstones of one deletion, named by the ID or URL given to it, a deleted
    article's id, or (``by_url``) the URL; returns the article ids let in again."""
    if by_url:
        named = [tombstones.c.request == ident, tombstones.c.key == f"url:{canonical_url(ident)}"]
    else:
        named = [tombstones.c.request == ident, tombstones.c.article_id == ident]
    requests = set(conn.execute(select(tombstones.c.request).where(or_(*named))).scalars())
    if not requests:
        return []
    which = tombstones.c.request.in_(requests)
    ids = sorted(set(conn.execute(select(tombstones.c.article_id).where(which)).scalars()))
    conn.execute(delete(tombstones).where(which))
    return ids


def graves(conn: Connection, ident: str) -> list[dict[str, Any]]:
    """The tombstones of a deleted article (by its id, the ID given to delete, or its URL)."""
    named = [tombstones.c.request == ident, tombstones.c.article_id == ident]
    if ident.startswith(("http://", "https://")):
        named.append(tombstones.c.key == f"url:{canonical_url(ident)}")
    query = select(tombstones).where(or_(*named)).order_by(tombstones.c.key)
    return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()}
            for r in conn.execute(query).mappings()]  # fmt: skip
