"""The outcome ledger (table ``items``): one row per accepted item, pending until its outcome.

Rows are registered before an item is published; the outcome is written once, in the same
transaction as the record, and a finished row is never overwritten by a redelivery.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from worker.core import fastjson
from worker.core.batches import sized
from worker.core.keys import run_id_of
from worker.core.models import Article, Outcome, RawItem, Status
from worker.store.driver import bound, copy_rows, insert_for, insert_rows, rows_with
from worker.store.schema import items

IDENTITY = ("external_id", "url", "title")
_LONGEST = 2000


def caller_identity(item: RawItem) -> dict[str, str | None]:
    """What the caller called the item (its id, URL, title), read from what it sent, so that
    every outcome, duplicate and rejected ones too, can be mapped back to it."""
    payload = item.payload
    record: dict[str, Any] = payload.get("record") or {}
    if not isinstance(record, dict):
        record = {}
    text = payload.get("text")
    first_line = text.strip().partition("\n")[0] if isinstance(text, str) else None
    found = {
        "external_id": record.get("id"),
        "url": record.get("url") or payload.get("url"),
        "title": record.get("title") or first_line,
    }
    return {k: None if v is None else str(v)[:_LONGEST] for k, v in found.items()}


def article_identity(article: Article) -> dict[str, str | None]:
    found = {"external_id": article.external_id, "url": article.url, "title": article.title}
    return {k: None if v is None else str(v)[:_LONGEST] for k, v in found.items()}


def ledger_row(item: RawItem, now: datetime, keep_payload: bool = True) -> dict[str, Any]:
    return {
        **caller_identity(item),
        "item_key": item.item_key,
        "run_id": run_id_of(item.item_key),
        "source": item.source[:2000],
        "kind": item.kind.value,
        "status": Status.PENDING.value,
        "attempts": 0,
        "accepted_at": now,
        "payload": item.model_dump(mode="json") if keep_payload else None,
    }


def register_items(
    conn: Connection,
    batch: Sequence[RawItem],
    now: datetime,
    encoded: Sequence[str] | None = None,
) -> None:
    """Pending ledger rows; an item registered twice keeps its first row.

    ``encoded``: each item's JSON text, when the caller has it already (the producer sends
    the same text in its messages); the rows then go straight through the driver, skipping
    SQLAlchemy's per-row processing, which dominated the producer's time.
    """
    if not batch:
        return
    if encoded is None:
        stmt = insert_for(conn, items).on_conflict_do_nothing(index_elements=["item_key"])
        conn.execute(stmt, [ledger_row(item, now) for item in batch])
        return
    stamp = bound(conn, items.c.accepted_at, now)
    rows = [
        (item.item_key, run_id_of(item.item_key), item.source[:2000], item.kind.value, text,
         *caller_identity(item).values())
        for item, text in zip(batch, encoded, strict=True)
    ]  # fmt: skip
    pg = conn.dialect.name == "postgresql"
    if pg and _copied(conn, rows, stamp):
        return
    mark, payload = ("%s", "%s::jsonb") if pg else ("?", "?")
    conn.exec_driver_sql(
        "INSERT INTO items (item_key, run_id, source, kind, payload, external_id, url, title, "
        f"status, attempts, accepted_at) VALUES ({mark}, {mark}, {mark}, {mark}, {payload}, "
        f"{mark}, {mark}, {mark}, '{Status.PENDING.value}', 0, {mark}) "
        "ON CONFLICT (item_key) DO NOTHING",
        [(*row, stamp) for row in rows],
    )


_COPY_PENDING = (
    "COPY items (item_key, run_id, source, kind, payload, external_id, url, title, status, "
    "attempts, accepted_at) FROM STDIN"
)


def _copied(conn: Connection, rows: list[tuple[Any, ...]], stamp: Any) -> bool:
    """PostgreSQL: the rows by COPY, one stream instead of one INSERT per row, inside a
    savepoint. False when a row is registered already (COPY has no ON CONFLICT): the
    savepoint is rolled back and the caller inserts row by row, keeping the first rows."""
    pending = [(*row, Status.PENDING.value, 0, stamp) for row in rows]
    try:
        with conn.begin_nested():
            copy_rows(conn, _COPY_PENDING, pending)
    except IntegrityError:
        return False
    return True


def upsert_outcomes(
    conn: Connection,
    pairs: Sequence[tuple[RawItem, Outcome]],
    now: datetime,
    identities: Mapping[str, dict[str, str | None]] | None = None,
) -> None:
    """Final outcomes; only a pending row (or none) is written, never a finished one.

    ``identities``: item key -> the parsed article's id, URL and title, which say more than
    the raw payload (a page's title, say).
    """
    if not pairs:
        return
    known = identities or {}
    rows = [_outcome_row(item, o, now, known.get(item.item_key)) for item, o in pairs]
    if conn.dialect.name == "sqlite":
        _replace_pending(conn, rows)
        return
    _upsert_json_rows(conn, rows)


def _upsert_json_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: the rows as JSON arrays, one statement each, read by the server (an
    executemany, even pipelined, has it plan and run one upsert per row).

    One statement cannot change a row twice: of an item key repeated in a batch (a hand-made
    message) the first outcome is written, as row-by-row upserts wrote it. An array holds at
    most ``_UPSERT_BYTES`` of JSON unless one row is larger: rejected items keep their
    payloads, and PostgreSQL takes at most 1 GB in one value.
    """
    columns = ", ".join(rows[0])
    assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in _OUTCOME)
    query = (
        f"INSERT INTO items ({columns}) SELECT {columns} FROM "
        "json_populate_recordset(NULL::items, %s::json) ON CONFLICT (item_key) DO UPDATE "
        f"SET {assignments} WHERE items.status = '{Status.PENDING.value}'"
    )
    first = {row["item_key"]: row for row in reversed(rows)}
    encoded = [fastjson.dumps(row) for row in rows if first[row["item_key"]] is row]
    for part in sized(encoded, _UPSERT_BYTES, len):
        conn.exec_driver_sql(query, (f"[{','.join(part)}]",))


_UPSERT_BYTES = 32_000_000


# What an outcome writes over a pending row. PostgreSQL: a payload set to None is SQL NULL
# (JSON null in a JSON array of rows is read as NULL); SQLite writes JSON null.
_OUTCOME = (
    "status", "article_id", "duplicate_of", "similarity", "method", "revision_of", "reason",
    "message", "finished_at", "payload", *IDENTITY,
)  # fmt: skip


# What a pending row keeps when its outcome is written (the rest comes with the outcome).
_KEPT = ("run_id", "source", "kind", "attempts", "accepted_at")


def _replace_pending(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """SQLite: the pending rows are deleted and their outcomes inserted, not updated.

    SQLite does not rebalance its B-tree after an UPDATE that shrinks a row, and item keys
    only grow: the pages that held the pending payloads would stay mostly empty forever
    (5.6 kB per ledger row in the file instead of 0.4 kB, bench/storage.py). A DELETE
    rebalances. A finished row is not deleted, and the insert then leaves it as it is.
    """
    gone = conn.exec_driver_sql(
        f"DELETE FROM items WHERE status = '{Status.PENDING.value}' AND item_key IN "
        f"(SELECT value FROM json_each(?)) RETURNING item_key, {', '.join(_KEPT)}",
        (fastjson.dumps([row["item_key"] for row in rows]),),
    ).fetchall()  # the keys as one parameter: see driver.rows_with
    stamp = items.c.accepted_at.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    kept = {key: (*rest, stamp(accepted) if stamp else accepted) for key, *rest, accepted in gone}
    for row in rows:
        if row["item_key"] in kept:
            row.update(zip(_KEPT, kept[row["item_key"]], strict=True))
    insert_rows(conn, items, rows, conflict=["item_key"])


def _outcome_row(
    item: RawItem, outcome: Outcome, now: datetime, identity: dict[str, str | None] | None
) -> dict[str, Any]:
    rejected = outcome.status == Status.REJECTED
    row = ledger_row(item, now, keep_payload=rejected)  # a rejected item can be replayed
    row.update(outcome.model_dump(mode="json", exclude={"item_key"}))
    row.update({k: v for k, v in (identity or {}).items() if v is not None})
    row["finished_at"] = now
    return row


def finished_outcomes(conn: Connection, keys: Sequence[str]) -> dict[str, Outcome]:
    """Outcomes already recorded for these items (a redelivered batch)."""
    names = [c.name for c in items.columns if c.name != "payload"]
    found: dict[str, Outcome] = {}
    for row in rows_with(conn, items, names, "item_key", keys):
        fields = dict(zip(names, row, strict=True))
        if fields["status"] != Status.PENDING:
            found[fields["item_key"]] = outcome_from_row(fields)
    return found


def outcome_from_row(row: Any) -> Outcome:
    return Outcome(
        item_key=row["item_key"],
        status=Status(row["status"]),
        article_id=row["article_id"],
        duplicate_of=row["duplicate_of"],
        similarity=row["similarity"],
        method=row["method"],
        revision_of=row["revision_of"],
        reason=row["reason"],
        message=row["message"],
    )


def reset_to_pending(conn: Connection, keys: Sequence[str]) -> None:
    """The outcome is *updated* when the item comes through again, never duplicated."""
    conn.execute(
        update(items)
        .where(items.c.item_key.in_(list(keys)))
        .values(status=Status.PENDING.value, reason=None, message=None, finished_at=None,
                attempts=items.c.attempts + 1)
    )  # fmt: skip


def lost_items(conn: Connection, cutoff: datetime, limit: int) -> list[RawItem]:
    """Items accepted before ``cutoff`` that still have no outcome."""
    query = (
        select(items.c.payload)
        .where(items.c.status == Status.PENDING.value, items.c.accepted_at < cutoff)
        .where(items.c.payload.is_not(None))
        .order_by(items.c.accepted_at)
        .limit(limit)
    )
    return [RawItem.model_validate(payload) for (payload,) in conn.execute(query)]


def take_lost(conn: Connection, cutoff: datetime, now: datetime, limit: int) -> list[RawItem]:
    """Pending items last sent before ``cutoff``, marked as sent again at ``now``.

    Marking them (``accepted_at``, ``attempts``) in the same transaction is what lets a
    caller page through any number of lost items: the next call skips those it just took.
    """
    query = (
        select(items.c.item_key, items.c.payload)
        .where(items.c.status == Status.PENDING.value, items.c.accepted_at < cutoff)
        .where(items.c.payload.is_not(None))
        .order_by(items.c.accepted_at, items.c.item_key)
        .limit(limit)
    )
    rows = conn.execute(query).all()
    if rows:
        conn.execute(
            update(items)
            .where(items.c.item_key.in_([key for key, _ in rows]))
            .where(items.c.status == Status.PENDING.value)
            .values(accepted_at=now, attempts=items.c.attempts + 1)
        )
    return [RawItem.model_validate(payload) for _, payload in rows]
