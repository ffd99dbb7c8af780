"""Run ids and item keys: the one place their format is written and read back.

An item key is ``<run id>-<seq>``: unique per accepted item and stable across redelivery,
so a second delivery maps to the same ledger row and changes nothing. A feed fetched by URL
becomes its entries under child keys ``<parent key>.<n>``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

SEQ_DIGITS = 7


def new_run_id(now: datetime | None = None) -> str:
    """Sortable by time, unique by a random suffix (two producers in one second differ)."""
    moment = now or datetime.now(UTC)
    return moment.strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:6]


def item_key(run_id: str, seq: int) -> str:
    return f"{run_id}-{seq:0{SEQ_DIGITS}d}"


def child_key(parent: str, n: int) -> str:
    return f"{parent}.{n}"


def run_id_of(key: str) -> str:
    """The run an item key belongs to (child keys belong to their parent's run)."""
    return key.rsplit("-", 1)[0]
