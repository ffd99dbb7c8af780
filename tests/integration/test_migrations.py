"""Schema migrations on real SQLite files and PostgreSQL databases (worker/store/migrate.py).

A store written before migrations existed is stamped and upgraded in place; concurrent
starters do not race; a database dropped and recreated under a running Store comes back.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from tests.stages import run_batch
from tests.support import PG_ADMIN, ROOT
from worker.cli import main
from worker.core.errors import TransientError
from worker.core.models import Kind, RawItem, Status
from worker.pipeline.prepare import Deps
from worker.store import Store
from worker.store.commit import article_row
from worker.store.engine import make_engine, write_transaction
from worker.store.feeds import SourceStore
from worker.store.ledger import ledger_row
from worker.store.migrate import head_revision
from worker.store.migrations.versions.r0001_baseline import baseline
from worker.store.reports import Filters
from worker.store.schema import articles, items, metadata

pytestmark = pytest.mark.integration
SEARCH_TABLES = {
    "articles_fts",
    *(f"articles_fts_{s}" for s in ("data", "idx", "docsize", "config")),
    "article_search",
}
SEARCH_OBJECTS = SEARCH_TABLES | {"ix_articles_search"}

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BODY = (
    "PORTSMOUTH - The city's harbour reopened on Thursday after three weeks of repairs to the "
    "sea wall damaged in the March storm, the port authority said. The repairs cost about 2.4 "
    "million pounds and were paid by the regional council, which had asked the state for help."
)
OTHER = (
    "LONDON - Rail workers voted on Wednesday to hold a two-day strike in May over pay, their "
    "union said, the third walkout this year. About 40,000 members took part in the ballot and "
    "86 percent backed the action; the operators said they would publish a reduced timetable."
)


def item(key: str, body: str = BODY) -> RawItem:
    payload = {"record": {"title": f"Title {key}", "body": body}}
    return RawItem(item_key=key, source="wire", kind=Kind.RECORD, payload=payload, received_at=NOW)


def write_like_before_migrations(url: str) -> None:
    """What the code before migrations did: ``create_all`` of the schema of that time (the
    frozen baseline), then a stored and a pending item, written with that schema's columns."""
    old = baseline()
    engine = make_engine(url)
    try:
        with write_transaction(engine) as conn:
            old.create_all(conn)
        stored, pending = item("old-0000001"), item("old-0000002", OTHER)
        old_items = old.tables["items"]
        with write_transaction(engine) as conn:  # the ledger rows of that time's columns
            rows = [ledger_row(one, NOW) for one in (stored, pending)]
            conn.execute(old_items.insert(), [{k: v for k, v in r.items() if k in old_items.c}
                                              for r in rows])  # fmt: skip
        prepared = run_batch([stored], Deps(), NOW)[0]
        assert prepared.article is not None
        row = {k: v for k, v in article_row(prepared.article, None, None, NOW).items()
               if k in old.tables["articles"].c}  # fmt: skip
        with write_transaction(engine) as conn:
            conn.execute(old.tables["articles"].insert(), [row])
            conn.execute(
                old.tables["items"]
                .update()
                .where(old.tables["items"].c.item_key == stored.item_key)
                .values(status="stored", article_id=stored.item_key, finished_at=NOW)
            )
    finally:
        engine.dispose()


def table_names(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def count(store: Store, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_store_written_before_migrations_is_stamped_and_kept(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_like_before_migrations(store_url)
    store = Store(store_url)
    try:
        assert store.revision() is None  # tables, but no alembic_version
        stats = store.stats()  # the first operation migrates
        assert stats["items"] == 2
        assert stats["by_status"] == {Status.STORED: 1, Status.PENDING: 1}
        assert count(store, articles) == 1
        assert store.revision() == head_revision() == "0006"
    finally:
        store.close()
    capsys.readouterr()
    for _ in range(2):  # `ingest migrate` on an up-to-date store changes nothing
        assert main(["migrate", "--store", store_url]) == 0
        head = head_revision()
        assert f"{head} -> {head} (up to date)" in capsys.readouterr().err
    again = Store(store_url)
    try:
        assert again.stats()["items"] == 2
    finally:
        again.close()


def test_rows_written_before_get_a_cursor_and_are_searchable(store_url: str) -> None:
    write_like_before_migrations(store_url)
    store = Store(store_url)
    try:
        (old,) = list(store.export(where=Filters(after=0)))  # backfilled by 0003
        assert (old["id"], old["seq"]) == ("old-0000001", 1)
        assert [r["id"] for r in store.search("harbour sea wall")] == ["old-0000001"]
        fresh = item("new-0000001", OTHER)
        store.register([fresh], NOW)
        store.commit(run_batch([fresh], Deps(), NOW), NOW)
        assert [r["seq"] for r in store.export(where=Filters(after=1))] == [2]
        assert [r["id"] for r in store.search("strike")] == ["new-0000001"]
    finally:
        store.close()


def test_cli_migrates_a_new_store(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--store", store_url]) == 0
    assert f"none -> {head_revision()} (migrated)" in capsys.readouterr().err
    store = Store(store_url)
    try:
        assert table_names(store) - SEARCH_TABLES == {*metadata.tables, "alembic_version"}
    finally:
        store.close()


def test_migrations_build_exactly_the_live_schema(store: Store) -> None:
    # schema.py is the head schema: a change to it without a migration fails here.
    with store.engine.connect() as conn:
        # The full-text objects are raw DDL of revision 0003 (an FTS5 table and its shadow
        # tables on SQLite, a table of tsvectors and its index on PostgreSQL), outside the
        # metadata.
        opts = {"include_name": lambda name, *_: name not in SEARCH_OBJECTS}
        drift = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
    if store.dialect == "sqlite":
        # SQLite does not enforce string lengths, so 0002 leaves VARCHAR(40) -> TEXT undone
        # there rather than copy the whole articles table.
        drift = [d for d in drift if not _is_string_length_only(d)]
        # ... and 0006 leaves the dedup index's foreign keys there (a copy of the table).
        drift = [d for d in drift if not _is_index_key_fk(d)]
    assert drift == []


def test_migrate_is_idempotent(store: Store) -> None:
    store.register([item("a-0000001")], NOW)
    first = store.migrate()
    second = store.migrate()
    assert (first.before, first.after, first.changed) == ("0006", "0006", False)
    assert second == first
    assert count(store, items) == 1
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_concurrent_starters_on_a_new_database(store_url: str) -> None:
    starters = [Store(store_url) for _ in range(6)]
    barrier = threading.Barrier(len(starters))
    errors: list[BaseException] = []

    def start(store: Store) -> None:
        try:
            barrier.wait(10)
            store.ensure_schema()
            store.register([item(f"s-{id(store):x}")], NOW)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in starters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == []
        assert starters[0].revision() == head_revision()
        assert count(starters[0], items) == len(starters)
        with starters[0].engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        for s in starters:
            s.close()


STARTER = """
import sys, time
from datetime import UTC, datetime
from worker.core.models import Kind, RawItem
from worker.store import Store
url, start_at, key = sys.argv[1], float(sys.argv[2]), sys.argv[3]
store = Store(url)
time.sleep(max(0.0, start_at - time.time()))
payload = {"record": {"title": "t", "body": "b"}}
item = RawItem(item_key=key, source="wire", kind=Kind.RECORD, payload=payload)
store.register([item], datetime.now(UTC))  # migrates first
print(store.migrate().after)
"""


def test_concurrent_starter_processes_on_a_new_database(store_url: str) -> None:
    # Separate processes: only the database lock (advisory lock / BEGIN IMMEDIATE) orders them.
    start_at = time.time() + 5  # all imported and waiting by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, store_url, str(start_at), f"p-000000{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for n in range(5)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), [err for _, err in results]
    assert [out.strip() for out, _ in results] == [head_revision()] * len(procs)
    store = Store(store_url)
    try:
        assert count(store, items) == len(procs)
    finally:
        store.close()


def drop_everything(store: Store) -> None:
    """The database dropped and recreated empty, as an operator might under running workers."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite":
        with store.engine.begin() as conn:
            for name in [*(t.name for t in reversed(metadata.sorted_tables)), "alembic_version"]:
                conn.exec_driver_sql(f'DROP TABLE "{name}"')
        return
    name = make_url(url).database
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    with pytest.raises(TransientError):  # gone: a plain "store down", retried by callers
        store.stats()
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')


def test_dropped_and_recreated_database_comes_back(store: Store) -> None:
    first = item("d-0000001")
    store.register([first], NOW)
    store.commit(run_batch([first], Deps(), NOW), NOW)
    drop_everything(store)
    again, other = item("d-0000002"), item("d-0000003", OTHER)
    store.register([again, other], NOW)  # recreates the schema, then writes
    outcomes = store.commit(run_batch([again, other], Deps(), NOW), NOW)
    assert [o.status for o in outcomes] == [Status.STORED, Status.STORED]
    assert table_names(store) >= set(metadata.tables)
    assert store.revision() == head_revision()
    assert store.stats()["items"] == 2


def test_other_queries_on_the_engine_also_trigger_a_rebuild(store: Store) -> None:
    # SourceStore runs its own transactions on the Store's engine: its first failure is a
    # transient error (retried by its callers), and the retry finds the schema rebuilt.
    sources = SourceStore(store)
    sources.sync_feeds([("wire", "https://example.org/feed")], NOW)
    drop_everything(store)
    with pytest.raises(TransientError):
        sources.sync_feeds([("wire", "https://example.org/feed")], NOW)
    sources.sync_feeds([("wire", "https://example.org/feed")], NOW)
    assert store.revision() == head_revision()


def test_one_table_dropped_by_hand_is_recreated(tmp_path: Any) -> None:
    store = Store(f"sqlite:///{tmp_path}/store.db")
    try:
        store.register([item("h-0000001")], NOW)
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE quarantine")  # alembic_version still says 0001
        assert store.quarantine_list() == []
        assert "quarantine" in table_names(store)
        assert count(store, items) == 1
    finally:
        store.close()


def test_export_after_a_drop(store: Store) -> None:
    first = item("e-0000001")
    store.register([first], NOW)
    store.commit(run_batch([first], Deps(), NOW), NOW)
    drop_everything(store)
    assert list(store.export()) == []


def _is_index_key_fk(diff: Any) -> bool:
    return (
        isinstance(diff, tuple)
        and diff[0] == "remove_fk"
        and diff[1].parent.name in ("near_keys", "dedup_keys")
    )


def _is_string_length_only(diff: Any) -> bool:
    if not isinstance(diff, list) or not diff or diff[0][0] != "modify_type":
        return False
    old, new = diff[0][-2], diff[0][-1]
    return all(t.python_type is str for t in (old, new))
