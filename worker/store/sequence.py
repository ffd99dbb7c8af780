"""Article sequence numbers: commit order, never reused, the cursor of ``export --after``.

Handed out by one counter row, not by ``max(seq) + 1`` (a deleted last article would give
its number again, and a consumer past it would miss the new one) and not by a PostgreSQL
SEQUENCE (SQLite has none). The caller holds the write lock, so numbers follow commit order.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, update

from worker.store.schema import articles, counters

ARTICLES = "articles"


def reserve(conn: Connection, count: int) -> int:
    """The first of ``count`` new consecutive numbers, inside the caller's write transaction."""
    query = (
        update(counters)
        .where(counters.c.name == ARTICLES)
        .values(value=counters.c.value + count)
        .returning(counters.c.value)
    )
    last = conn.execute(query).scalar_one_or_none()
    if last is None:  # a table recreated by hand: start after the highest number in use
        top = conn.execute(select(func.coalesce(func.max(articles.c.seq), 0))).scalar_one()
        last = int(top) + count
        conn.execute(counters.insert().values(name=ARTICLES, value=last))
    return int(last) - count + 1
