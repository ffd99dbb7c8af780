"""Quarantined items (kept with payload and error, for replay) and refused broker messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from worker.core.models import Prepared, RawItem
from worker.store.driver import insert_for
from worker.store.ledger import reset_to_pending
from worker.store.schema import quarantine, refused_messages


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
            "traceback": stmt.excluded.traceback,
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
        "traceback": p.traceback,
    }


def list_quarantine(conn: Connection, limit: int, include_replayed: bool) -> list[dict[str, Any]]:
    cols = [c for c in quarantine.c if c.name not in ("payload", "traceback")]  # the big ones
    query = select(*cols).order_by(quarantine.c.id).limit(limit)
    if not include_replayed:
        query = query.where(quarantine.c.replayed_at.is_(None))
    return [dict(row) for row in conn.execute(query).mappings()]


def get_quarantined(conn: Connection, entry_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(quarantine).where(quarantine.c.id == entry_id)).mappings().first()
    return dict(row) if row else None


def get_quarantined_by_key(conn: Connection, item_key: str) -> dict[str, Any] | None:
    """The entry of one item (``item_key`` is unique in the quarantine)."""
    query = select(quarantine).where(quarantine.c.item_key == item_key)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def take_for_replay(conn: Connection, ids: Sequence[int] | None, now: datetime) -> list[RawItem]:
    """Mark entries replayed and put their ledger rows back to pending, in one transaction."""
    query = select(quarantine.c.id, quarantine.c.payload).where(quarantine.c.replayed_at.is_(None))
    if ids is not None:
        query = query.where(quarantine.c.id.in_(list(ids)))
    rows = conn.execute(query).all()
    if not rows:
        return []
    batch = [RawItem.model_validate(payload) for _, payload in rows]
    conn.execute(
        update(quarantine).where(quarantine.c.id.in_([r[0] for r in rows])).values(replayed_at=now)
    )
    reset_to_pending(conn, [item.item_key for item in batch])
    return batch


def record_refused(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(refused_messages.insert(), [row])


def count_refused(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(refused_messages)).scalar_one())
