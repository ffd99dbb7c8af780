"""Bytes on disk per stored article and per ledger row, on SQLite and PostgreSQL, and the dead
rows the ledger's updates leave in PostgreSQL.

    .venv/bin/python bench/storage.py [--articles 5000] [--store sqlite|pg|both] [--enrich]

Fills a fresh store through the real code, in-process (``worker.ingest.inprocess``: pending
ledger rows registered, then prepared and committed batch by batch, as a worker does), with
the throughput bench's stream (bench/_articles.py: corpus bodies, 8% exact and 12% near
copies) and 5% records without a body (rejected, their payload kept). Then it prints:

- bytes per stored article: every table with its indexes (articles, dedup keys, search
  indexes and whatever is added later) except the ledger and the small service tables (feeds,
  quarantine, schema version), over the stored articles; bytes per ledger row: ``items``
  with its indexes;
- SQLite: the file after a WAL checkpoint (TRUNCATE), split by table with ``dbstat``; a
  compact copy (``VACUUM INTO``); then ``ingest prune --older-than 0 --compact`` and
  ``--rows`` on the store itself (the real prune code), with the free pages they leave;
- PostgreSQL: ``pg_total_relation_size`` per table; dead tuples of ``items`` after the run
  (``pg_stat_user_tables.n_dead_tup``, what autovacuum reads, which may lag a second or two,
  and exactly, ``pgstattuple``), after ``VACUUM`` and after ``prune --rows``; and
  the same run again with autovacuum's default rule applied by hand (VACUUM ``items`` as soon
  as its dead tuples pass 50 + 0.2 x live ones; the local server runs with autovacuum off),
  to show whether the default keeps the ledger's size in check.

Every ledger row is written twice (``pending`` when registered, its outcome at commit), so
each item leaves one dead tuple behind in PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._articles import DEFAULT_CORPUS, load_corpus, stream  # noqa: E402
from worker.core.keys import item_key, new_run_id  # noqa: E402
from worker.core.models import Kind, RawItem  # noqa: E402
from worker.core.settings import Settings, load  # noqa: E402
from worker.ingest.inprocess import run_batch_here  # noqa: E402
from worker.ingest.runtime import Runtime  # noqa: E402

LEDGER_TABLES = ("items",)
# Small tables of their own (feeds, quarantine, schema version): neither articles nor ledger.
SERVICE_TABLES = ("alembic_version", "feed_sources", "seen_entries", "watched_files",
                  "quarantine", "refused_messages", "sqlite_schema", "sqlite_master")  # fmt: skip


def article_tables(sizes: dict[str, int]) -> list[str]:
    """Every other table: articles, the dedup index, search indexes and what comes later."""
    return [t for t in sizes if t not in LEDGER_TABLES and t not in SERVICE_TABLES]


REJECT_SHARE = 0.05
BATCH = 200


def items_for(corpus: Any, count: int, seed: int = 7) -> Iterator[RawItem]:
    rng = random.Random(seed + 1)
    run_id = new_run_id()
    now = datetime.now(UTC)
    for n, (_kind, rec) in enumerate(stream(corpus, count, seed)):
        if rng.random() < REJECT_SHARE:
            rec = {**rec, "body": ""}  # rejected: empty_body, payload kept for replay
        yield RawItem(item_key=item_key(run_id, n), source="bench", kind=Kind.RECORD,
                      payload={"record": rec}, received_at=now)  # fmt: skip


def fill(url: str, corpus: Any, count: int, enrich: bool, after: Callable[[], None]) -> float:
    """Ingest ``count`` items in-process; ``after`` runs after each batch. Returns seconds."""
    settings = load(Settings, store_url=url, enrich=enrich, batch_size=BATCH)
    started = time.perf_counter()
    with Runtime(settings) as runtime:
        batch: list[RawItem] = []
        for item in items_for(corpus, count):
            batch.append(item)
            if len(batch) == BATCH:
                run_batch_here(batch, runtime)
                after()
                batch = []
        if batch:
            run_batch_here(batch, runtime)
            after()
        elapsed = time.perf_counter() - started
        runtime.store.index_search()  # what the first search indexes: sizes include it
    return elapsed


def per_unit(sizes: dict[str, int], tables: Sequence[str], units: int) -> str:
    total = sum(sizes.get(t, 0) for t in tables)
    return f"{total / max(units, 1):,.0f} B ({total / 1e6:,.2f} MB / {units:,})"


# --- SQLite ---------------------------------------------------------------------------


def sqlite_sizes(path: Path) -> tuple[dict[str, int], int, dict[str, int]]:
    """Bytes per table (its indexes included, by dbstat), the file size, and row counts."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master"))
        sizes: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            sizes[table] = sizes.get(table, 0) + int(size)
        counts = rows_by_kind(conn.execute)
    wal = path.with_name(path.name + "-wal")
    on_disk = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return sizes, on_disk, counts


def show_sqlite(title: str, path: Path) -> None:
    sizes, on_disk, counts = sqlite_sizes(path)
    each = on_disk / max(counts["articles"], 1)
    print(f"  {title}: {on_disk / 1e6:,.2f} MB ({each:,.0f} B per stored article, all tables)")
    for table, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:5]:
        print(f"    {table:<18} {size / 1e6:10,.2f} MB")
    each = per_unit(sizes, article_tables(sizes), counts["articles"])
    print(f"    bytes per stored article: {each}")
    print(f"    bytes per ledger row:     {per_unit(sizes, LEDGER_TABLES, counts['ledger'])}")


def rows_by_kind(run: Callable[..., Any]) -> dict[str, int]:
    counts = {"articles": int(run("SELECT COUNT(*) FROM articles").fetchone()[0])}
    for status, n in run("SELECT status, COUNT(*) FROM items GROUP BY status").fetchall():
        counts[status] = int(n)
    counts["ledger"] = int(run("SELECT COUNT(*) FROM items").fetchone()[0])
    return counts


def bench_sqlite(corpus: Any, count: int, enrich: bool, tmp: Path) -> None:
    path = tmp / "storage.db"
    seconds = fill(f"sqlite:///{path}", corpus, count, enrich, lambda: None)
    with sqlite3.connect(path) as conn:
        print(f"\nSQLite ({count:,} items in {seconds:.1f} s): {rows_by_kind(conn.execute)}")
    show_sqlite("file after a WAL checkpoint", path)
    # A shrinking UPDATE does not rebalance SQLite's B-tree (the ledger replaces a pending
    # row instead, worker.store.ledger). VACUUM INTO writes a compact copy (also a backup).
    compact = tmp / "compact.db"
    with sqlite3.connect(path) as conn:
        conn.execute("VACUUM INTO ?", (str(compact),))
    show_sqlite("compact copy (VACUUM INTO)", compact)
    for flags in ({"compact": True}, {"rows": True}):
        url = f"sqlite:///{path}"
        print(f"  ingest prune --older-than 0 --{next(iter(flags))}: {prune_all(url, **flags)}")
        with sqlite3.connect(path) as conn:
            free = conn.execute("PRAGMA freelist_count").fetchone()[0] * 16384
        sizes, _, counts = sqlite_sizes(path)
        print(f"    bytes per ledger row: {per_unit(sizes, LEDGER_TABLES, counts['ledger'])}; "
              f"{free / 1e6:.2f} MB of free pages for reuse")  # fmt: skip


def prune_all(url: str, **flags: bool) -> str:
    """``ingest prune --older-than 0`` with ``flags``, through the real prune code."""
    from worker.store import Store
    from worker.store.prune import Plan, prune

    store = Store(url)
    try:
        result = prune(store.engine, Plan(datetime.now(UTC) + timedelta(seconds=1), **flags))
    finally:
        store.close()
    return ", ".join(f"{n:,} {what}" for what, n in result.counts.items())


# --- PostgreSQL -----------------------------------------------------------------------


def pg_sizes(conn: Any) -> dict[str, int]:
    query = "SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables"
    return {name: int(size) for name, size in conn.execute(query)}


def pg_dead(conn: Any, table: str = "items") -> str:
    """Dead tuples of ``table`` as the statistics say, and exactly (pgstattuple)."""
    time.sleep(1.5)  # backends flush their counters at most once a second
    conn.execute("SELECT pg_stat_clear_snapshot()")
    live, dead, autovacuums, vacuums = conn.execute(
        "SELECT n_live_tup, n_dead_tup, autovacuum_count, vacuum_count "
        "FROM pg_stat_user_tables WHERE relname = %s",
        (table,),
    ).fetchone()
    tuples, dead_exact, free, length = conn.execute(
        "SELECT tuple_count, dead_tuple_count, free_space, table_len FROM pgstattuple(%s)",
        (table,),
    ).fetchone()
    return (f"n_live_tup {live:,}, n_dead_tup {dead:,} (pgstattuple: {tuples:,} live, "
            f"{dead_exact:,} dead, {free / 1e6:.2f} MB free of {length / 1e6:.2f} MB heap); "
            f"vacuums {vacuums}, autovacuums {autovacuums}")  # fmt: skip


class DefaultRule:
    """Autovacuum's default trigger applied by hand after each batch, on the statistics
    autovacuum reads: VACUUM ``items`` when the dead tuples of its heap or of its TOAST
    table pass autovacuum_vacuum_threshold (50) + scale factor (0.2) x their live tuples.
    (Autovacuum itself looks once per autovacuum_naptime, 60 s: this is its best case.)"""

    QUERY = (
        "SELECT s.n_live_tup, s.n_dead_tup FROM pg_stat_all_tables s WHERE s.relid IN "
        "(SELECT oid FROM pg_class WHERE relname = 'items' UNION "
        "SELECT reltoastrelid FROM pg_class WHERE relname = 'items')"
    )

    def __init__(self, dsn: str, scale: float = 0.2) -> None:
        import psycopg

        self.conn = psycopg.connect(dsn, autocommit=True)
        self.scale = scale
        self.vacuums = 0

    def __call__(self) -> None:
        self.conn.execute("SELECT pg_stat_clear_snapshot()")
        rows = self.conn.execute(self.QUERY).fetchall()
        if any(dead > 50 + self.scale * live for live, dead in rows):
            self.conn.execute("VACUUM items")
            self.vacuums += 1


def toast_dead(conn: Any) -> str:
    row = conn.execute(
        "SELECT n_live_tup, n_dead_tup, pg_relation_size(relid) FROM pg_stat_all_tables "
        "WHERE relid = (SELECT reltoastrelid FROM pg_class WHERE relname = 'items')"
    ).fetchone()
    return f"its TOAST table: {row[0]:,} live, {row[1]:,} dead, {row[2] / 1e6:.2f} MB"


def bench_pg(corpus: Any, count: int, enrich: bool) -> None:
    import psycopg

    from tests.support import fresh_pg_database

    with fresh_pg_database() as url:
        dsn = url.replace("+psycopg", "")
        seconds = fill(url, corpus, count, enrich, lambda: None)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
            counts = rows_by_kind(conn.execute)
            sizes = pg_sizes(conn)
            print(f"\nPostgreSQL ({count:,} items in {seconds:.1f} s): {counts}")
            for table, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
                print(f"    {table:<18} {size / 1e6:10,.2f} MB")
            each = per_unit(sizes, article_tables(sizes), counts["articles"])
            print(f"  bytes per stored article: {each}")
            print(f"  bytes per ledger row:     {per_unit(sizes, LEDGER_TABLES, counts['ledger'])}")
            print(f"  items after the run, never vacuumed: {pg_dead(conn)}")
            print(f"    {toast_dead(conn)}")
            conn.execute("VACUUM (ANALYZE) items")
            print(f"  items after VACUUM:                  {pg_dead(conn)}")
            print(f"    {toast_dead(conn)}")
            after = pg_sizes(conn)["items"]
            print(
                f"  items size after VACUUM: {after / 1e6:.2f} MB (space is reused, not returned)"
            )
            print(
                f"  ingest prune --older-than 0 --rows: {prune_all(url, rows=True)}, then VACUUM:"
            )
            conn.execute("VACUUM items")
            print(f"    {pg_dead(conn)}")
    with fresh_pg_database() as url:
        dsn = url.replace("+psycopg", "")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        from worker.store import Store

        store = Store(url)
        store.ensure_schema()  # the tables must exist before the rule looks at them
        store.close()
        rule = DefaultRule(dsn)
        fill(url, corpus, count, enrich, rule)
        with psycopg.connect(dsn, autocommit=True) as conn:
            sizes = pg_sizes(conn)
            counts = rows_by_kind(conn.execute)
            print(
                f"  same run, autovacuum's default rule applied ({rule.vacuums} VACUUMs of items):"
            )
            print(f"    items {sizes['items'] / 1e6:.2f} MB; {pg_dead(conn)}")
            print(f"    {toast_dead(conn)}")
            print(f"    bytes per ledger row: {per_unit(sizes, LEDGER_TABLES, counts['ledger'])}")
        rule.conn.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="items to ingest")
    parser.add_argument("--store", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument("--enrich", action="store_true", help="full profile (NER etc.)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    os.environ.setdefault("INGEST_METRICS_PORT", "0")
    corpus = load_corpus(args.corpus)
    profile = "full (enrichment on)" if args.enrich else "light (enrichment off)"
    print(f"storage bench: {args.articles:,} items, {profile}, batches of {BATCH}")
    if args.store in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            bench_sqlite(corpus, args.articles, args.enrich, Path(tmp))
    if args.store in ("pg", "both"):
        bench_pg(corpus, args.articles, args.enrich)


if __name__ == "__main__":
    main()
