"""Stored articles read back for enrichment again, and their new enrichment written.

Pages are read in commit order (keyset paging on ``seq``: ``seq > last``), so a page costs
the same at the end of a large store as at its start, a record rewritten while the pages go
on is never seen twice, and a page's articles were stored close together (the story window
a backfill reads stays small). ``enrichment`` is written, and the story of an article that
has none (``store.story_backfill``), one transaction per page under the store's write lock:
an interrupted run leaves whole pages done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update

from worker.core.story import StorySig
from worker.store import Store
from worker.store.engine import read_connection, write_transaction
from worker.store.schema import articles
from worker.store.story_backfill import backfill


@dataclass(frozen=True)
class Selection:
    """Which stored articles to read (all optional)."""

    language: str | None = None
    since: datetime | None = None  # stored at or after
    source: str | None = None


@dataclass(frozen=True)
class StoredText:
    """What enrichment reads of a stored article, and what it wrote last time."""

    id: str
    title: str
    body: str
    language: str | None
    published_at: datetime | None
    enrichment: dict[str, Any]
    story_id: str | None = None  # None: the article has no story yet
    seq: int = 0  # commit order: the pages' cursor


def count(store: Store, where: Selection) -> int:
    """How many stored articles the selection holds."""
    store.ensure_schema()
    query = _filtered(select(func.count()).select_from(articles), where)
    with read_connection(store.engine) as conn:
        return int(conn.execute(query).scalar_one())


def page(store: Store, where: Selection, after: int | None, limit: int) -> list[StoredText]:
    """Up to ``limit`` selected articles past the cursor ``after`` (a ``seq``), in commit
    order."""
    store.ensure_schema()
    c = articles.c
    query = _filtered(_texts(), where)
    if after is not None:
        query = query.where(c.seq > after)
    with read_connection(store.engine) as conn:
        rows = conn.execute(query.order_by(c.seq).limit(limit)).all()
    return [_stored(*row) for row in rows]


def sizes(
    store: Store, where: Selection, after: int | None, limit: int
) -> list[tuple[int, str, int]]:
    """(seq, id, body length) of up to ``limit`` selected articles past the cursor ``after``,
    in commit order: what a producer needs to cut messages by size without reading bodies."""
    store.ensure_schema()
    c = articles.c
    query = _filtered(select(c.seq, c.id, func.length(c.body)), where)
    if after is not None:
        query = query.where(c.seq > after)
    with read_connection(store.engine) as conn:
        rows = conn.execute(query.order_by(c.seq).limit(limit)).all()
    return [(int(q), str(i), int(n or 0)) for q, i, n in rows]


def by_ids(store: Store, ids: Sequence[str]) -> list[StoredText]:
    """The articles of ``ids`` that exist, in commit order."""
    store.ensure_schema()
    c = articles.c
    with read_connection(store.engine) as conn:
        rows = conn.execute(_texts().where(c.id.in_(list(ids))).order_by(c.seq)).all()
    return [_stored(*row) for row in rows]


def write(
    store: Store,
    enrichments: Sequence[tuple[str, dict[str, Any]]],
    stories: Mapping[str, StorySig] | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Replace the enrichment of each (article id, enrichment) and give each article of
    ``stories`` (id -> signature) that has none its story (at ``now``), in one transaction;
    returns (enrichments written, stories written)."""
    if not enrichments and not stories:
        return 0, 0
    store.ensure_schema()
    statement = (
        update(articles)
        .where(articles.c.id == bindparam("article_id"))
        .values(enrichment=bindparam("new_enrichment"))
    )
    rows = [{"article_id": i, "new_enrichment": e} for i, e in enrichments]
    with write_transaction(store.engine) as conn:
        if rows:
            conn.execute(statement, rows)
        if stories:
            at = now if now is not None else datetime.now(UTC)
            return len(rows), backfill(conn, stories, at, store.story_window_hours)
    return len(rows), 0


def _texts() -> Any:
    """The columns ``StoredText`` is made of, in its order."""
    c = articles.c
    return select(
        c.id, c.title, c.body, c.language, c.published_at, c.enrichment, c.story_id, c.seq
    )


def _filtered(query: Any, where: Selection) -> Any:
    c = articles.c
    if where.language:
        query = query.where(c.language == where.language)
    if where.since is not None:
        query = query.where(c.created_at >= where.since)
    if where.source:
        query = query.where(c.source == where.source)
    return query


def _stored(
    id: str,
    title: str,
    body: str,
    language: str | None,
    published: str | None,
    enrichment: Any,
    story_id: str | None,
    seq: int | None,
) -> StoredText:
    return StoredText(
        id=id,
        title=title,
        body=body,
        language=language,
        published_at=published_moment(published),
        enrichment=dict(enrichment or {}),
        story_id=story_id,
        seq=int(seq or 0),
    )


def published_moment(text: str | None) -> datetime | None:
    """The stored ISO text back as a moment; a bare date counts from its start (as at
    ingestion), and an unreadable value resolves nothing rather than failing the page."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)  # "2024-05-01" is that day at 00:00
    except ValueError:
        return None
