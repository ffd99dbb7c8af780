"""The full-text index kept off the write path, on real SQLite files and PostgreSQL databases:
a search catches up from the ``seq`` marker, deletes keep the index right whether or not the
article was indexed yet, concurrent catch-ups index nothing twice (worker/store/search_index)."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
from sqlalchemy import text

from tests.integration.test_browse import DOCKS, HARBOUR, MUSEE, NOW, STRIKE, count, ingest, item
from worker.cli import main
from worker.store import Store, search_index
from worker.store.engine import read_connection
from worker.store.reports import Filters
from worker.store.schema import articles

pytestmark = pytest.mark.integration

BODIES = [HARBOUR, STRIKE, DOCKS, MUSEE]


def indexed(store: Store) -> int:
    """Entries in the full-text index itself (SQLite: FTS5's docsize shadow table, one row per
    indexed document; ``count(*)`` of an external-content table would read ``articles``)."""
    name = "articles_fts_docsize" if store.dialect == "sqlite" else "article_search"
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())


def marker_and_backlog(store: Store) -> tuple[int | None, int]:
    with read_connection(store.engine) as conn:
        return search_index._marker(conn), search_index.backlog(conn)


def check_integrity(store: Store) -> None:
    """SQLite: FTS5 checks its index against the content table (every row indexed)."""
    if store.dialect == "sqlite":
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)"
            )


def many(prefix: str, n: int) -> list[Any]:
    """``n`` distinct articles (no two near copies): sentences of the four stories' words in a
    different order each."""
    words = sorted({w for body in BODIES[:3] for w in body.split()})
    shuffled = [random.Random(k).sample(words, 60) for k in range(n)]
    return [
        item(f"{prefix}-{k:07d}", " ".join(w) + ".", title=f"Report {k}")
        for k, w in enumerate(shuffled)
    ]


def test_commit_writes_no_index_entry_and_the_next_search_catches_up(store: Store) -> None:
    ingest(store, item("a-0000001", HARBOUR), item("a-0000002", STRIKE, title="Rail strike"))
    assert indexed(store) == 0  # nothing on the write path
    assert marker_and_backlog(store) == (0, 2)
    assert [r["id"] for r in store.search("harbour")] == ["a-0000001"]
    assert indexed(store) == 2 and marker_and_backlog(store) == (2, 0)
    # Stored after a first search: found by the next one.
    ingest(store, item("a-0000003", DOCKS, title="Dock workers join the strike"))
    assert indexed(store) == 2
    assert {r["id"] for r in store.search("strike")} == {"a-0000002", "a-0000003"}
    assert indexed(store) == 3
    check_integrity(store)
    assert store.index_search() == 0  # nothing waiting: no work


def test_delete_after_indexing_and_before_it(store: Store) -> None:
    ingest(store, item("d-0000001", HARBOUR), item("d-0000002", STRIKE, title="Rail strike"))
    assert [r["id"] for r in store.search("harbour")] == ["d-0000001"]
    store.delete("d-0000001", NOW)  # indexed: its entry goes with it
    assert indexed(store) == 1
    assert store.search("harbour") == []
    ingest(store, item("d-0000003", DOCKS, title="Dock workers join the strike"))
    store.delete("d-0000003", NOW)  # not indexed yet: nothing to remove, nothing broken
    assert indexed(store) == 1
    assert [r["id"] for r in store.search("strike")] == ["d-0000002"]
    check_integrity(store)
    # The deleted article's number is past the marker; the catch-up skips the gap.
    ingest(store, item("d-0000004", MUSEE, title="Le musée rouvre", language="fr"))
    assert [r["id"] for r in store.search("musée")] == ["d-0000004"]
    assert indexed(store) == count(store, articles) == 2
    check_integrity(store)


def test_concurrent_catch_ups_index_each_article_once(store: Store, store_url: str) -> None:
    ingest(store, *many("m", 60))
    others = [Store(store_url) for _ in range(3)]
    for other in others:
        other.ensure_schema()  # connected: the three start together
    start = threading.Barrier(len(others))
    done: list[int] = []
    failed: list[BaseException] = []

    def run(other: Store) -> None:
        try:
            start.wait()
            done.append(search_index.catch_up(other.engine, batch=3))
        except BaseException as exc:  # reported by the assertion below
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(other,)) for other in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in others:
        other.close()
    assert failed == []
    assert sum(done) == 60  # each article indexed by exactly one of them
    assert indexed(store) == count(store, articles) == 60
    check_integrity(store)
    assert len(store.search("report", Filters(limit=100))) == 60


def test_progress_rebuild_and_the_cli(
    store: Store, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(store, *many("p", 7))
    seen: list[tuple[int, int]] = []
    assert search_index.catch_up(store.engine, lambda d, t: seen.append((d, t)), batch=3) == 7
    assert seen == [(3, 7), (6, 7), (7, 7)]
    assert store.index_search(rebuild=True) == 7  # from scratch: the same entries again
    assert indexed(store) == 7
    check_integrity(store)
    capsys.readouterr()
    assert main(["search", "--reindex", "--store", store_url]) == 0
    assert "indexed 7 article(s)" in capsys.readouterr().err
    assert main(["search", "--store", store_url]) == 2  # neither a query nor --reindex
    assert indexed(store) == 7


def test_an_update_of_title_or_body_keeps_the_index_right(store: Store) -> None:
    # Nothing updates them today (a revision is a new article); the trigger covers it anyway.
    ingest(store, item("e-0000001", HARBOUR, title="Quayside bulletin"), item("e-0000002", STRIKE))
    store.index_search()
    ingest(store, item("e-0000003", DOCKS, title="Quayside notes"))
    with store.engine.begin() as conn:  # one indexed article, one not yet
        for key in ("e-0000001", "e-0000003"):
            conn.execute(articles.update().where(articles.c.id == key).values(title="Lighthouse"))
    assert store.search("quayside") == []
    assert {r["id"] for r in store.search("lighthouse")} == {"e-0000001", "e-0000003"}
    assert indexed(store) == 3
    check_integrity(store)
