"""The results store: one interface over SQLite (embedded default) and PostgreSQL.

The schema is versioned (``worker.store.migrate``): the first operation of a process brings
it to head, and an operation that finds a table missing (the database was dropped and
recreated under a running worker) migrates again and retries once instead of failing forever.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, event
from sqlalchemy.engine import ExceptionContext

from worker.core.models import Outcome, Prepared, RawItem
from worker.core.near import DEFAULT_PARAMS, NearParams
from worker.store import (
    ledger,
    quarantine,
    records,
    reports,
    search,
    search_index,
    stories,
    tombstones,
)
from worker.store.commit import commit_batch, known_duplicates
from worker.store.engine import (
    MIGRATE_LOCK_ID,
    SchemaMissing,
    is_missing_table,
    make_engine,
    read_connection,
    write_transaction,
)
from worker.store.migrate import Migration, current_revision, upgrade
from worker.store.reports import Filters
from worker.store.schema import items

T = TypeVar("T")
Opener = Callable[[Engine], AbstractContextManager[Connection]]


class Store:
    """Records, dedup index and the outcome ledger, always written together."""

    def __init__(
        self,
        url: str,
        *,
        near_params: NearParams = DEFAULT_PARAMS,
        window_days: int | None = None,
        engine: Engine | None = None,
        story_window_hours: float = 72.0,
    ) -> None:
        self.engine = engine or make_engine(url)
        self.near_params = near_params
        self.window_days = window_days
        self.story_window_hours = story_window_hours
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        # Any query on this engine that finds a table missing (ours, or SourceStore's, or a
        # caller's own) makes the next ensure_schema() migrate again.
        event.listen(self.engine, "handle_error", self._on_error)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def shared_across_threads(self) -> bool:
        """Whether two threads of this process see the same data (an in-memory SQLite
        database is one per connection, hence one per thread)."""
        database = self.engine.url.database
        return self.dialect != "sqlite" or database not in (None, "", ":memory:")

    def ensure_schema(self) -> None:
        """Migrate once per process, and again after a table went missing.

        Called before every operation, so the hot path is one attribute read.
        """
        if not self._schema_ready:
            with self._schema_lock:
                if not self._schema_ready:
                    self.migrate()

    def migrate(self) -> Migration:
        """Apply the migrations to head (idempotent).

        Under the migration lock (PostgreSQL advisory lock, SQLite ``BEGIN IMMEDIATE``):
        concurrent starters wait for the first, then find the store at head.
        """
        with write_transaction(self.engine, lock_id=MIGRATE_LOCK_ID) as conn:
            result = upgrade(conn)
        self._schema_ready = True
        return result

    def revision(self) -> str | None:
        """The schema revision the store is at (None: not created yet); never migrates."""
        with read_connection(self.engine) as conn:
            return current_revision(conn)

    def _on_error(self, context: ExceptionContext) -> None:
        if is_missing_table(context.original_exception):
            self._schema_ready = False

    def _run(self, opener: Opener, work: Callable[[Connection], T]) -> T:
        """``work`` in a transaction; migrates and retries once if a table is gone."""
        self.ensure_schema()
        try:
            with opener(self.engine) as conn:
                return work(conn)
        except SchemaMissing:
            # Rolled back, so running it again is safe; fails as usual if still missing.
            self._schema_ready = False
            self.ensure_schema()
            with opener(self.engine) as conn:
                return work(conn)

    def _write(self, work: Callable[[Connection], T]) -> T:
        return self._run(write_transaction, work)

    def _read(self, work: Callable[[Connection], T]) -> T:
        return self._run(read_connection, work)

    def register(
        self,
        batch: Sequence[RawItem],
        now: datetime,
        encoded: Sequence[str] | None = None,
    ) -> None:
        """Record accepted items as pending before they are published.

        ``encoded``: each item's JSON text (the producer has it for the message).
        """
        self._write(lambda conn: ledger.register_items(conn, batch, now, encoded))

    def commit(self, prepared: Sequence[Prepared], now: datetime) -> list[Outcome]:
        """Decide and write a whole batch in one transaction; returns one outcome per item."""
        return self._write(
            lambda conn: commit_batch(
                conn, prepared, self.near_params, self.window_days, now, self.story_window_hours
            )
        )

    def known_duplicates(self, prepared: Sequence[Prepared], now: datetime) -> set[str]:
        """Item keys that are copies of stored articles (read-only; the commit decides)."""
        return self._read(
            lambda conn: known_duplicates(conn, prepared, self.near_params, self.window_days, now)
        )

    def record(self, pairs: Sequence[tuple[RawItem, Outcome]], now: datetime) -> None:
        """Outcomes decided outside the pipeline (a fetch that failed, say)."""
        self._write(lambda conn: ledger.upsert_outcomes(conn, pairs, now))

    def expand(self, parent: RawItem, children: Sequence[RawItem], now: datetime) -> None:
        """A feed URL became its entries: they replace it in the ledger, atomically."""

        def replace(conn: Connection) -> None:
            conn.execute(delete(items).where(items.c.item_key == parent.item_key))
            ledger.register_items(conn, children, now)

        self._write(replace)

    def outcomes(self, keys: Sequence[str]) -> dict[str, Outcome]:
        return self._read(lambda conn: ledger.finished_outcomes(conn, keys))

    def stats(self, run_id: str | None = None) -> dict[str, Any]:
        return self._read(lambda conn: reports.stats(conn, run_id))

    def top_enrichment(self) -> dict[str, Any]:
        """Top entities and keywords over the latest stored articles (a sample, not cheap)."""
        return self._read(reports.top_enrichment)

    def export(
        self, status: str = "stored", latest: bool = False, where: Filters | None = None
    ) -> Iterator[dict[str, Any]]:
        """Streamed rows; a missing table is retried only before the first row is out.

        ``latest``: stored articles only in their current revision.
        """
        self.ensure_schema()
        chosen = where or Filters()
        if latest:
            chosen = dataclasses.replace(chosen, latest=True)
        try:
            rows = self._export_rows(status, chosen)
            first = next(rows, None)
        except SchemaMissing:
            self._schema_ready = False
            self.ensure_schema()
            rows = self._export_rows(status, chosen)
            first = next(rows, None)
        if first is not None:
            yield first
            yield from rows

    def _export_rows(self, status: str, where: Filters) -> Iterator[dict[str, Any]]:
        with read_connection(self.engine) as conn:
            yield from reports.export(conn, status, where)

    def stories(self, limit: int = 20) -> list[dict[str, Any]]:
        """Recent stories, most recently active first (see ``stories.recent``)."""
        return self._read(lambda conn: stories.recent(conn, limit))

    def show(self, ident: str) -> dict[str, Any] | None:
        """One article (by id, item key or URL) with its revisions and duplicates."""
        return self._read(lambda conn: records.show(conn, ident))

    def search(
        self,
        query: str,
        where: Filters | None = None,
        progress: search_index.Progress | None = None,
    ) -> list[dict[str, Any]]:
        """Full-text matches under export's filters, best first (``where.limit`` of them),
        after indexing the articles stored since the last search (``index_search``)."""
        self.index_search(progress)
        return self._read(lambda conn: search.search(conn, query, where or Filters()))

    def index_search(
        self, progress: search_index.Progress | None = None, rebuild: bool = False
    ) -> int:
        """Bring the full-text index up to the last article stored (``rebuild``: from
        scratch), in bounded write transactions; returns how many articles it indexed."""
        self.ensure_schema()
        return search_index.catch_up(self.engine, progress, rebuild)

    def delete(self, ident: str, now: datetime, by_url: bool = False) -> list[str]:
        """Delete an article with its revisions, leave tombstones; returns the ids deleted."""
        return self._write(lambda conn: tombstones.bury(conn, ident, now, by_url))

    def undelete(self, ident: str, by_url: bool = False) -> list[str]:
        """Lift a deletion's tombstones (the articles may be ingested again)."""
        return self._write(lambda conn: tombstones.unbury(conn, ident, by_url))

    def tombstones(self, ident: str) -> list[dict[str, Any]]:
        """The tombstones of a deleted article, by its id, the ID given to delete, or URL."""
        return self._read(lambda conn: tombstones.graves(conn, ident))

    def quarantine_list(
        self, limit: int = 100, include_replayed: bool = False
    ) -> list[dict[str, Any]]:
        return self._read(lambda conn: quarantine.list_quarantine(conn, limit, include_replayed))

    def quarantine_get(self, entry_id: int) -> dict[str, Any] | None:
        return self._read(lambda conn: quarantine.get_quarantined(conn, entry_id))

    def quarantine_get_by_key(self, item_key: str) -> dict[str, Any] | None:
        return self._read(lambda conn: quarantine.get_quarantined_by_key(conn, item_key))

    def quarantine_take(self, ids: Sequence[int] | None, now: datetime) -> list[RawItem]:
        """Items to replay (all when ``ids`` is None), their ledger rows back to pending."""
        return self._write(lambda conn: quarantine.take_for_replay(conn, ids, now))

    def lost_items(self, cutoff: datetime, limit: int = 10_000) -> list[RawItem]:
        return self._read(lambda conn: ledger.lost_items(conn, cutoff, limit))

    def take_lost(self, cutoff: datetime, now: datetime, limit: int) -> list[RawItem]:
        """Pending items older than ``cutoff``, marked as sent again (pages through them)."""
        return self._write(lambda conn: ledger.take_lost(conn, cutoff, now, limit))

    def record_refused(self, row: dict[str, Any]) -> None:
        self._write(lambda conn: quarantine.record_refused(conn, row))

    def refused_count(self) -> int:
        return self._read(quarantine.count_refused)

    def close(self) -> None:
        self.engine.dispose()
