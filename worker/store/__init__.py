"""The results store: one interface over SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete

from worker.core.models import Outcome, Prepared, RawItem
from worker.core.near import DEFAULT_PARAMS, NearParams
from worker.store import ledger, quarantine, reports
from worker.store.commit import commit_batch, known_duplicates
from worker.store.engine import make_engine, read_connection, write_transaction
from worker.store.schema import items, metadata


class Store:
    """Records, dedup index and the outcome ledger, always written together."""

    def __init__(
        self,
        url: str,
        *,
        near_params: NearParams = DEFAULT_PARAMS,
        window_days: int | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.engine = engine or make_engine(url)
        self.near_params = near_params
        self.window_days = window_days
        self._schema_ready = False

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def ensure_schema(self) -> None:
        """Create the tables once per process (idempotent, safe for concurrent starters)."""
        if not self._schema_ready:
            with write_transaction(self.engine) as conn:
                metadata.create_all(conn, checkfirst=True)
            self._schema_ready = True

    def register(
        self,
        batch: Sequence[RawItem],
        now: datetime,
        encoded: Sequence[str] | None = None,
    ) -> None:
        """Record accepted items as pending before they are published.

        ``encoded``: each item's JSON text (the producer has it for the message).
        """
        self.ensure_schema()
        with write_transaction(self.engine) as conn:
            ledger.register_items(conn, batch, now, encoded)

    def commit(self, prepared: Sequence[Prepared], now: datetime) -> list[Outcome]:
        """Decide and write a whole batch in one transaction; returns one outcome per item."""
        self.ensure_schema()
        with write_transaction(self.engine) as conn:
            return commit_batch(conn, prepared, self.near_params, self.window_days, now)

    def known_duplicates(self, prepared: Sequence[Prepared], now: datetime) -> set[str]:
        """Item keys that are copies of stored articles (read-only; the commit decides)."""
        self.ensure_schema()
        with read_connection(self.engine) as conn:
            return known_duplicates(conn, prepared, self.near_params, self.window_days, now)

    def record(self, pairs: Sequence[tuple[RawItem, Outcome]], now: datetime) -> None:
        """Outcomes decided outside the pipeline (a fetch that failed, say)."""
        self.ensure_schema()
        with write_transaction(self.engine) as conn:
            ledger.upsert_outcomes(conn, pairs, now)

    def expand(self, parent: RawItem, children: Sequence[RawItem], now: datetime) -> None:
        """A feed URL became its entries: they replace it in the ledger, atomically."""
        self.ensure_schema()
        with write_transaction(self.engine) as conn:
            conn.execute(delete(items).where(items.c.item_key == parent.item_key))
            ledger.register_items(conn, children, now)

    def outcomes(self, keys: Sequence[str]) -> dict[str, Outcome]:
        self.ensure_schema()
        with read_connection(self.engine) as conn:
            return ledger.finished_outcomes(conn, keys)

    def stats(self, run_id: str | None = None) -> dict[str, Any]:
        self.ensure_schema()
        with read_connection(self.engine) as conn:
            return reports.stats(conn, run_id)

    def top_enrichment(self) -> dict[str, Any]:
        """Top entities and keywords over the latest stored articles (a sample, not cheap)."""
        self.ensure_schema()
        with read_connection(self.engine) as conn:
            return reports.top_enrichment(conn)

    def export(self, status: str = "stored") -> Iterator[dict[str, Any]]:
        self.ensure_schema()
        with read_connection(self.engine) as conn:
            yield from reports.export(conn, status)

    def quarantine_list(
        self, limit: int = 100, include_replayed: bool = False
    ) -> list[dict[str, Any]]:
        self.ensure_schema()
        with read_connection(self.engine) as conn:
            return quarantine.list_quarantine(conn, limit, include_replayed)

    def quarantine_get(self, entry_id: int) -> dict[str, Any] | None:
        self.ensure_schema()
        with read_connection(self.engine) as conn:
            return quarantine.get_quarantined(conn, entry_id)

    def quarantine_take(self, ids: Sequence[int] | None, now: datetime) -> list[RawItem]:
        """Items to replay (all when ``ids`` is None), their ledger rows back to pending."""
        self.ensure_schema()
        with write_transaction(self.engine) as conn:
            return quarantine.take_for_replay(conn, ids, now)

    def lost_items(self, cutoff: datetime, limit: int = 10_000) -> list[RawItem]:
        self.ensure_schema()
        with read_connection(self.engine) as conn:
            return ledger.lost_items(conn, cutoff, limit)

    def record_refused(self, row: dict[str, Any]) -> None:
        self.ensure_schema()
        with write_transaction(self.engine) as conn:
            quarantine.record_refused(conn, row)

    def refused_count(self) -> int:
        self.ensure_schema()
        with read_connection(self.engine) as conn:
            return quarantine.count_refused(conn)

    def close(self) -> None:
        self.engine.dispose()
