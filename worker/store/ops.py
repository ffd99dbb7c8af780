"""Operations on the ledger: quarantine listing and replay, lost-work sweeping."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from worker.models import RawItem, Status
from worker.store.schema import items, quarantine, refused_messages


def list_quarantine(conn: Connection, limit: int, include_replayed: bool) -> list[dict[str, Any]]:
    cols = [c for c in quarantine.c if c.name != "payload"]
    query = select(*cols).order_by(quarantine.c.id).limit(limit)
    if not include_replayed:
        query = query.where(quarantine.c.replayed_at.is_(None))
    return [dict(row) for row in conn.execute(query).mappings()]


def get_quarantined(conn: Connection, entry_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(quarantine).where(quarantine.c.id == entry_id)).mappings().first()
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


def record_refused(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(refused_messages.insert(), [row])


def count_refused(conn: Connection) -> int:
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).select_from(refused_messages)).scalar_one())
