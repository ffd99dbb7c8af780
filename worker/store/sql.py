"""Small queries shared by the commit and the store facade. Every IN list is chunked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

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


def finished_outcomes(conn: Connection, keys: Sequence[str]) -> dict[str, Outcome]:
    """Outcomes already recorded for these items (a redelivered batch)."""
    found: dict[str, Outcome] = {}
    for part in chunks(keys):
        query = select(items).where(items.c.item_key.in_(part), items.c.status != Status.PENDING)
        for row in conn.execute(query).mappings():
            found[row["item_key"]] = outcome_from_row(row)
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
    owners: dict[str, str] = {}
    for part in chunks({f"fp:{fp}" for fp in fingerprints}):
        query = select(dedup_keys.c.key, dedup_keys.c.article_id).where(dedup_keys.c.key.in_(part))
        owners.update({key[3:]: article_id for key, article_id in conn.execute(query)})
    return owners


def articles_at_urls(conn: Connection, urls: Sequence[str]) -> dict[str, list[Candidate]]:
    found: dict[str, list[Candidate]] = {}
    cols = (articles.c.canonical_url, articles.c.id, articles.c.created_at, articles.c.near_sig)
    for part in chunks(set(urls)):
        for url, *rest in conn.execute(select(*cols).where(articles.c.canonical_url.in_(part))):
            found.setdefault(url, []).append(_candidate(*rest))
    return found


def band_members(conn: Connection, bands: set[int]) -> dict[int, set[str]]:
    members: dict[int, set[str]] = {}
    for part in chunks(bands):
        query = select(near_keys.c.band_key, near_keys.c.article_id)
        for band, article_id in conn.execute(query.where(near_keys.c.band_key.in_(part))):
            members.setdefault(band, set()).add(article_id)
    return members


def candidates(conn: Connection, ids: set[str]) -> dict[str, Candidate]:
    found: dict[str, Candidate] = {}
    cols = (articles.c.id, articles.c.created_at, articles.c.near_sig)
    for part in chunks(ids):
        for row in conn.execute(select(*cols).where(articles.c.id.in_(part))):
            found[row[0]] = _candidate(*row)
    return found


def _candidate(article_id: str, created_at: datetime, sig: bytes | None) -> Candidate:
    return Candidate(article_id, aware(created_at), _signature(sig))


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
        "run_id": item.item_key.rsplit("-", 1)[0],
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
    dumped: Sequence[dict[str, Any]] | None = None,
) -> None:
    """Pending ledger rows; an item registered twice keeps its first row."""
    if not batch:
        return
    rows = [ledger_row(item, now) for item in batch] if dumped is None else [
        ledger_row(item, now, keep_payload=False) | {"payload": dump}
        for item, dump in zip(batch, dumped, strict=True)
    ]  # fmt: skip
    stmt = insert_for(conn).on_conflict_do_nothing(index_elements=["item_key"])
    conn.execute(stmt, rows)


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
