"""The full-text index, kept off the write path: a search first catches up from ``seq``.

A commit writes no index entry. The ``counters`` row 'search' is the marker: every article
whose ``seq`` is at or below it is indexed, none above it is. ``catch_up`` indexes the
articles past the marker in batches (``BATCH``), each in its own write transaction (the
writers' lock: ``BEGIN IMMEDIATE`` on SQLite, the advisory lock on PostgreSQL), which moves
the marker with the entries it wrote; workers commit between two batches. Two searchers
catching up at once take turns, and the second finds the marker moved: nothing is indexed
twice. Under the lock every ``seq`` handed out is committed (numbers follow commit order),
so the batch up to the articles counter has no gap that a later commit could fill.

Deletes: on SQLite a trigger (revision 0003) removes an indexed row's FTS5 entry with the
old values (external content needs them) and leaves an unindexed row alone; on PostgreSQL
``article_search`` rows go with their article (``ON DELETE CASCADE``). Nothing updates an
article's title or body in place (a revision is a new article; re-enrichment rewrites
``enrichment`` only); the update triggers of 0003 would keep the index right if it did.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, func, insert, select, text, update

from worker.store.engine import read_connection, write_transaction
from worker.store.schema import articles, counters
from worker.store.sequence import ARTICLES

SEARCH = "search"  # the counters row: indexed up to this seq
# Articles per write transaction: about 0.2 s of the writers' lock on SQLite, and 0.3 to 0.5
# s on PostgreSQL, whose tsvectors (stemming every word) cost 1 to 2 ms an article.
BATCH = {"sqlite": 1000, "postgresql": 250}
# (articles indexed so far, the backlog when the catch-up began): after each batch, when the
# backlog is more than one batch.
Progress = Callable[[int, int], None]

# The weighted tsvector of title (A) and body (B) in the article's language's configuration.
PG_DOCUMENT = (
    "setweight(to_tsvector(ingest_ts_config(language), title), 'A') || "
    "setweight(to_tsvector(ingest_ts_config(language), body), 'B')"
)
_INDEX = {
    "sqlite": "INSERT INTO articles_fts (rowid, title, body) SELECT seq, title, body "
    "FROM articles WHERE seq > :lo AND seq <= :hi",
    "postgresql": f"INSERT INTO article_search (seq, document) SELECT seq, {PG_DOCUMENT} "
    "FROM articles WHERE seq > :lo AND seq <= :hi "
    "ON CONFLICT (seq) DO UPDATE SET document = excluded.document",
}
_EMPTY = {
    "sqlite": "INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')",
    "postgresql": "DELETE FROM article_search",
}


def backlog(conn: Connection) -> int:
    """How many article numbers were handed out past the marker (an upper bound on the
    articles a search would index first: deleted ones count too)."""
    return max(0, _top(conn) - (_marker(conn) or 0))


def catch_up(
    engine: Engine,
    progress: Progress | None = None,
    rebuild: bool = False,
    batch: int | None = None,
) -> int:
    """Index every article past the marker (``rebuild``: empty the index first); returns
    how many were indexed. Without a backlog, one read and no lock."""
    batch = batch or BATCH[engine.dialect.name]
    if rebuild:
        with write_transaction(engine) as conn:
            _empty(conn)
    with read_connection(engine) as conn:
        pending = backlog(conn) if _marker(conn) is not None else _top(conn)
    if pending <= 0:
        return 0
    done = 0
    while True:
        with write_transaction(engine) as conn:
            count, more = _index_batch(conn, batch)
        done += count
        if progress is not None and pending > batch:
            progress(done, pending)
        if not more:
            return done


def _index_batch(conn: Connection, batch: int) -> tuple[int, bool]:
    """Index up to ``batch`` articles past the marker and move it, under the writers' lock;
    returns (articles indexed, whether more are waiting)."""
    low = _marker(conn)
    if low is None:  # the counters table was recreated by hand: trust nothing indexed
        _empty(conn)
        low = 0
    top = _top(conn)
    if low >= top:
        return 0, False
    nth = (
        select(articles.c.seq)
        .where(articles.c.seq > low, articles.c.seq <= top)
        .order_by(articles.c.seq)
        .offset(batch - 1)
        .limit(1)
    )
    high = conn.execute(nth).scalar_one_or_none()
    more = high is not None and high < top
    high = top if high is None else high
    count = conn.execute(text(_INDEX[conn.dialect.name]), {"lo": low, "hi": high}).rowcount
    _set_marker(conn, high)
    return max(count, 0), more


def _empty(conn: Connection) -> None:
    """No article indexed: the index emptied and the marker at 0, in the caller's
    write transaction."""
    conn.execute(text(_EMPTY[conn.dialect.name]))
    _set_marker(conn, 0)


def _marker(conn: Connection) -> int | None:
    query = select(counters.c.value).where(counters.c.name == SEARCH)
    value = conn.execute(query).scalar_one_or_none()
    return None if value is None else int(value)


def _set_marker(conn: Connection, value: int) -> None:
    moved = conn.execute(update(counters).where(counters.c.name == SEARCH).values(value=value))
    if moved.rowcount == 0:
        conn.execute(insert(counters).values(name=SEARCH, value=value))


def _top(conn: Connection) -> int:
    """The last article number handed out (the highest in use if the counter is gone)."""
    query = select(counters.c.value).where(counters.c.name == ARTICLES)
    value = conn.execute(query).scalar_one_or_none()
    if value is None:
        value = conn.execute(select(func.coalesce(func.max(articles.c.seq), 0))).scalar_one()
    return int(value)
