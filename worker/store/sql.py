"""Small queries shared by the commit and the store facade. Every IN list is chunked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from worker import fastjson
from worker.models import Article, Outcome, RawItem, Status
from worker.pipeline.batch import Prepared
from worker.pipeline.dedup import Candidate
from worker.pipeline.neardup import NearSig
from worker.store.schema import articles, dedup_keys, items, near_keys, quarantine

T = TypeVar("T")
_CHUNK = 500  # far below SQLite's and PostgreSQL's bound-parameter limits


def chunks(values: Iterable[T], size: int = _CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; everything we write is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def rows_with(
    conn: Connection, table: Table, columns: Sequence[str], key: str, values: Iterable[Any]
) -> list[Any]:
    """Rows of ``table`` whose ``key`` is one of ``values``, in one query.

    The whole list travels as ONE parameter (a JSON array for SQLite's json_each, an array
    for PostgreSQL's ANY): SQLAlchemy's expansion of an IN list into hundreds of bound
    parameters cost more than the lookups themselves (2,000 band keys per batch).
    """
    wanted = list(values)
    if not wanted:
        return []
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        array = "bigint[]" if isinstance(wanted[0], int) else "text[]"
        query = f"SELECT {names} FROM {table.name} WHERE {key} = ANY(%s::{array})"
        return list(conn.exec_driver_sql(query, (wanted,)))
    query = f"SELECT {names} FROM {table.name} WHERE {key} IN (SELECT value FROM json_each(?))"
    return list(conn.exec_driver_sql(query, (fastjson.dumps(wanted),)))


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


def fingerprint_owners(conn: Connection, fingerprints: Sequence[str]) -> dict[str, str]:
    wanted = {f"fp:{fp}" for fp in fingerprints}
    rows = rows_with(conn, dedup_keys, ("key", "article_id"), "key", wanted)
    return {key[3:]: article_id for key, article_id in rows}


def articles_at_urls(conn: Connection, urls: Sequence[str]) -> dict[str, list[Candidate]]:
    found: dict[str, list[Candidate]] = {}
    cols = ("canonical_url", "id", "created_at", "near_sig")
    for url, *rest in rows_with(conn, articles, cols, "canonical_url", set(urls)):
        found.setdefault(url, []).append(_candidate(*rest))
    return found


def band_members(conn: Connection, bands: set[int]) -> dict[int, set[str]]:
    members: dict[int, set[str]] = {}
    for band, article_id in rows_with(
        conn, near_keys, ("band_key", "article_id"), "band_key", bands
    ):
        members.setdefault(band, set()).add(article_id)
    return members


def candidates(conn: Connection, ids: set[str]) -> dict[str, Candidate]:
    cols = ("id", "created_at", "near_sig")
    return {row[0]: _candidate(*row) for row in rows_with(conn, articles, cols, "id", ids)}


def _candidate(article_id: str, created_at: datetime | str, sig: bytes | None) -> Candidate:
    # Through the driver, SQLite gives its text form of the timestamp (always UTC here).
    when = datetime.fromisoformat(created_at) if isinstance(created_at, str) else created_at
    return Candidate(article_id, aware(when), _signature(sig))


def _signature(sig: bytes | None) -> NearSig | None:
    """A stored signature; one from an older encoding compares as no signature at all
    (its article still matches exactly and by URL, never by nearness)."""
    try:
        return NearSig.decode(bytes(sig)) if sig else None
    except ValueError:
        return None


def article_row(
    article: Article, near: NearSig | None, revision_of: str | None, now: datetime
) -> dict[str, Any]:
    row = article.model_dump(
        mode="json",
        include={
            "source", "kind", "external_id", "url", "canonical_url", "title", "body",
            "authors", "site_name", "language", "language_confidence", "declared_language",
            "fingerprint", "extra", "meta", "enrichment",
        },
    )  # fmt: skip
    published = article.published_at.isoformat() if article.published_at else None
    sig = near.encode() if near is not None else None
    extra = {"published_at": published, "near_sig": sig, "revision_of": revision_of}
    return {"id": article.item_key, **row, **extra, "created_at": now}


def insert_plain_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Bulk INSERT straight through the driver's executemany.

    For the ~20 band keys of every article, SQLAlchemy's per-row parameter processing cost
    more than the insert itself; these columns are plain integers and strings.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(columns)
    marks = ", ".join([mark] * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(rows))


def insert_for(conn: Connection, table: Table = items) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def ledger_row(item: RawItem, now: datetime, keep_payload: bool = True) -> dict[str, Any]:
    return {
        "item_key": item.item_key,
        "run_id": _run_id(item.item_key),
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
    the same text in its messages); the rows then go straight through the driver, which
    took a third of the producer's time off compared with SQLAlchemy's per-row processing.
    """
    if not batch:
        return
    if encoded is None:
        stmt = insert_for(conn).on_conflict_do_nothing(index_elements=["item_key"])
        conn.execute(stmt, [ledger_row(item, now) for item in batch])
        return
    stamp = _bound(conn, items.c.accepted_at, now)
    rows = [
        (item.item_key, _run_id(item.item_key), item.source[:2000], item.kind.value, text)
        for item, text in zip(batch, encoded, strict=True)
    ]
    pg = conn.dialect.name == "postgresql"
    mark, payload = ("%s", "%s::jsonb") if pg else ("?", "?")
    conn.exec_driver_sql(
        "INSERT INTO items (item_key, run_id, source, kind, payload, status, attempts, "
        f"accepted_at) VALUES ({mark}, {mark}, {mark}, {mark}, {payload}, "
        f"'{Status.PENDING.value}', 0, {mark}) ON CONFLICT (item_key) DO NOTHING",
        [(*row, stamp) for row in rows],
    )


def _run_id(item_key: str) -> str:
    return item_key.rsplit("-", 1)[0]


def _bound(conn: Connection, column: Any, value: Any) -> Any:
    """``value`` as the dialect stores it in ``column`` (SQLite keeps timestamps as text)."""
    process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return process(value) if process is not None else value


def upsert_outcomes(
    conn: Connection, pairs: Sequence[tuple[RawItem, Outcome]], now: datetime
) -> None:
    """Final outcomes; only a pending row (or none) is written, never a finished one."""
    if not pairs:
        return
    stmt = insert_for(conn)
    fields = ("status", "article_id", "duplicate_of", "similarity", "method", "revision_of")
    update = {f: stmt.excluded[f] for f in (*fields, "reason", "message", "finished_at")}
    update["payload"] = stmt.excluded.payload
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_key"], set_=update, where=items.c.status == Status.PENDING.value
    )
    conn.execute(stmt, [_outcome_row(item, outcome, now) for item, outcome in pairs])


def upsert_quarantine(conn: Connection, failed: Sequence[Prepared], now: datetime) -> None:
    """Quarantine rows; a replayed item that fails again updates its row."""
    if not failed:
        return
    stmt = insert_for(conn, quarantine)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_key"],
        set_={
            "error_class": stmt.excluded.error_class,
            "message": stmt.excluded.message,
            "attempts": quarantine.c.attempts + stmt.excluded.attempts,
            "quarantined_at": stmt.excluded.quarantined_at,
            "replayed_at": None,
        },
    )
    conn.execute(stmt, [_quarantine_row(p, now) for p in failed])


def _quarantine_row(p: Prepared, now: datetime) -> dict[str, Any]:
    assert p.rejection is not None
    return {
        "item_key": p.item.item_key,
        "payload": p.item.model_dump(mode="json"),
        "error_class": p.error_class or "Error",
        "message": p.rejection.message or "",
        "attempts": p.attempts,
        "quarantined_at": now,
    }


def _outcome_row(item: RawItem, outcome: Outcome, now: datetime) -> dict[str, Any]:
    rejected = outcome.status == Status.REJECTED
    row = ledger_row(item, now, keep_payload=rejected)  # a rejected item can be replayed
    row.update(outcome.model_dump(mode="json", exclude={"item_key"}))
    row["finished_at"] = now
    return row
