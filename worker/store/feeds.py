"""Continuous sources in the store: feed polling state, seen feed entries, watched files.

The marks that say "already enqueued" (a seen entry, a watched file) are written in the SAME
transaction as the items' pending ledger rows, so after a crash either both exist (the item
is accounted for and will not be enqueued again) or neither does (it will be, once).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select, update

from worker.core.models import RawItem
from worker.store import Store
from worker.store.driver import aware, chunks, insert_for
from worker.store.engine import read_connection, write_transaction
from worker.store.ledger import register_items
from worker.store.schema import feed_sources, seen_entries, watched_files


@dataclass(frozen=True)
class PollRecord:
    """What one poll of a feed learnt, to be written to its state row."""

    status: str  # ok, not_modified, error
    next_poll_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    new_items: int = 0
    error: str | None = None


@dataclass(frozen=True)
class FileMark:
    path: str
    size: int
    mtime_ns: int
    sha256: str


class SourceStore:
    """Queries for continuous sources, over the same engine as the results store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    def _write(self) -> Any:
        self.store.ensure_schema()
        return write_transaction(self.engine)

    def _read(self) -> Any:
        self.store.ensure_schema()
        return read_connection(self.engine)

    # -- feeds ---------------------------------------------------------------------------

    def sync_feeds(self, feeds: Iterable[tuple[str, str]], now: datetime) -> None:
        """A row per configured feed; a feed whose URL changed forgets its validators."""
        with self._write() as conn:
            rows = conn.execute(select(feed_sources.c.name, feed_sources.c.url))
            known = {str(name): str(url) for name, url in rows}
            for name, url in feeds:
                if name not in known:
                    conn.execute(feed_sources.insert(), [_new_feed_row(name, url, now)])
                elif known[name] != url:
                    conn.execute(_update_feed(name).values(url=url, etag=None, last_modified=None))

    def claim_due(self, names: Sequence[str], now: datetime, lease: float) -> list[str]:
        """Feeds due by ``now``; their due time moves ``lease`` seconds on (one poller each)."""
        if not self._any_due(names, now):
            return []  # the common case, every tick: no write transaction at all
        with self._write() as conn:
            due = self._due_names(conn, names, now)
            if due:
                stmt = update(feed_sources).where(feed_sources.c.name.in_(due))
                conn.execute(stmt.values(next_poll_at=now + timedelta(seconds=lease)))
            return due

    def _any_due(self, names: Sequence[str], now: datetime) -> bool:
        with self._read() as conn:
            return bool(self._due_names(conn, names, now))

    @staticmethod
    def _due_names(conn: Connection, names: Sequence[str], now: datetime) -> list[str]:
        due = or_(feed_sources.c.next_poll_at.is_(None), feed_sources.c.next_poll_at <= now)
        query = select(feed_sources.c.name).where(feed_sources.c.name.in_(list(names)), due)
        return sorted(str(n) for n in conn.execute(query).scalars())

    def feed_state(self, name: str) -> dict[str, Any] | None:
        with self._read() as conn:
            query = select(feed_sources).where(feed_sources.c.name == name)
            row = conn.execute(query).mappings().first()
        return _aware_row(dict(row)) if row else None

    def feed_states(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            rows = conn.execute(select(feed_sources).order_by(feed_sources.c.name)).mappings()
            return [_aware_row(dict(r)) for r in rows]

    def record_poll(self, name: str, record: PollRecord, now: datetime) -> None:
        values: dict[str, Any] = {
            "status": record.status,
            "last_poll_at": now,
            "next_poll_at": record.next_poll_at,
            "polls": feed_sources.c.polls + 1,
            "items_found": feed_sources.c.items_found + record.new_items,
        }
        if record.status == "error":
            values.update(last_error=record.error, failures=feed_sources.c.failures + 1)
        else:
            values.update(failures=0, last_success_at=now)
            if record.status == "ok":  # a 304 carries no new validators worth keeping
                values.update(etag=record.etag, last_modified=record.last_modified)
        with self._write() as conn:
            conn.execute(_update_feed(name).values(**values))

    def seen_keys(self, source: str, keys: Sequence[str]) -> dict[str, str | None]:
        """The keys already seen, each with the version enqueued (None: from before
        versions were kept)."""
        with self._read() as conn:
            return _seen(conn, source, keys)

    def claim_entries(
        self,
        source: str,
        claims: Sequence[tuple[str, str, RawItem]],
        now: datetime,
        adopt: Sequence[tuple[str, str]] = (),
    ) -> list[RawItem]:
        """Mark entries (key, version, item) seen at that version and register their items
        as pending, in one transaction; ``adopt`` (key, version): record the version of
        entries seen before versions were kept, enqueueing nothing.

        Returns the items of the entries still to claim once inside the transaction
        (another poller may have won a race for some): only those are to be published.
        """
        if not claims and not adopt:
            return []
        with self._write() as conn:
            seen = _seen(conn, source, [key for key, _, _ in claims])
            wanted = [c for c in claims if to_claim(seen, c[0], c[1])]
            fresh = [c for c in wanted if c[0] not in seen]
            if fresh:
                rows = [_seen_row(source, key, version, item, now) for key, version, item in fresh]
                conn.execute(seen_entries.insert(), rows)
            # In feed order: new entries, and revisions still at the version read above.
            won = [c[2] for c in wanted if c[0] not in seen or _revise(conn, source, seen, c, now)]
            for key, version in adopt:
                stmt = _seen_entry(source, key).where(seen_entries.c.version.is_(None))
                conn.execute(stmt.values(version=version))
            if won:
                register_items(conn, won, now)
            return won

    # -- watched files -------------------------------------------------------------------

    def file_mark(self, path: str) -> FileMark | None:
        with self._read() as conn:
            row = conn.execute(select(watched_files).where(watched_files.c.path == path)).first()
        return FileMark(row.path, row.size, row.mtime_ns, row.sha256) if row else None

    def claim_file(
        self, mark: FileMark, run_id: str, batch: Sequence[RawItem], now: datetime
    ) -> None:
        """Remember the file and register its items as pending, in one transaction."""
        row = {**mark.__dict__, "run_id": run_id, "items": len(batch), "seen_at": now}
        with self._write() as conn:
            stmt = insert_for(conn, watched_files)
            fields = ("size", "mtime_ns", "sha256", "run_id", "items", "seen_at")
            stmt = stmt.on_conflict_do_update(
                index_elements=["path"], set_={f: stmt.excluded[f] for f in fields}
            )
            conn.execute(stmt, [row])
            register_items(conn, batch, now)

    def touch_file(self, mark: FileMark) -> None:
        """Same content under a new mtime: remember the new stat, enqueue nothing."""
        with self._write() as conn:
            stmt = update(watched_files).where(watched_files.c.path == mark.path)
            conn.execute(stmt.values(size=mark.size, mtime_ns=mark.mtime_ns))


def _new_feed_row(name: str, url: str, now: datetime) -> dict[str, Any]:
    return {"name": name, "url": url, "status": "new", "failures": 0, "polls": 0,
            "items_found": 0, "next_poll_at": now}  # fmt: skip


def _update_feed(name: str) -> Any:
    return update(feed_sources).where(feed_sources.c.name == name)


def to_claim(seen: Mapping[str, str | None], key: str, version: str) -> bool:
    """An entry is enqueued when never seen, or seen at another version (a revision).

    Seen without a version (enqueued before versions were kept): taken as unchanged, or
    every entry of every feed would be enqueued again on the first poll after upgrading."""
    if key not in seen:
        return True
    known = seen[key]
    return known is not None and known != version


def _seen(conn: Connection, source: str, keys: Sequence[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for part in chunks(set(keys)):
        query = select(seen_entries.c.entry_key, seen_entries.c.version).where(
            seen_entries.c.source == source, seen_entries.c.entry_key.in_(part)
        )
        found.update((str(k), v) for k, v in conn.execute(query))
    return found


def _revise(
    conn: Connection,
    source: str,
    seen: Mapping[str, str | None],
    claim: tuple[str, str, RawItem],
    now: datetime,
) -> bool:
    """Move a seen entry to its new version, if it is still at the version read: of two
    pollers racing for one revision, the second finds the row moved on and enqueues nothing."""
    key, version, item = claim
    stmt = _seen_entry(source, key).where(seen_entries.c.version == seen[key])
    values = {"version": version, "item_key": item.item_key, "seen_at": now}
    return bool(conn.execute(stmt.values(**values)).rowcount)


def _seen_entry(source: str, key: str) -> Any:
    return update(seen_entries).where(
        seen_entries.c.source == source, seen_entries.c.entry_key == key
    )


def _seen_row(source: str, key: str, version: str, item: RawItem, now: datetime) -> dict[str, Any]:
    return {"source": source, "entry_key": key, "item_key": item.item_key, "seen_at": now,
            "version": version}  # fmt: skip


def _aware_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: aware(v) if isinstance(v, datetime) else v for k, v in row.items()}
