"""``published_at`` values that once split the stores: an offset with seconds and
microseconds (what Python writes for a zone's local mean time) fit SQLite's untyped column but
not PostgreSQL's VARCHAR(40), which aborted the run as ``store_down``. The column is TEXT since
migration 0002; both stores must now keep and give back the very same string.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.stages import run_batch
from tests.support import fresh_pg_database
from worker.core.models import Kind, Prepared, RawItem, Status
from worker.pipeline.prepare import Deps
from worker.store import Store

pytestmark = pytest.mark.integration

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
LMT_PARIS = timezone(timedelta(minutes=9, seconds=21))
ODD = timezone(timedelta(hours=5, minutes=30, seconds=15, microseconds=123456))
ODD_WEST = timezone(-timedelta(hours=23, minutes=59, seconds=59, microseconds=999999))
VALUES: list[datetime | date] = [
    datetime(2024, 5, 1, 10, 0, tzinfo=ODD),  # 2024-05-01T10:00:00+05:30:15.123456
    datetime(2024, 5, 1, 10, 0, 0, 999999, tzinfo=ODD_WEST),  # the longest ISO form Python writes
    datetime(1911, 3, 10, 23, 59, tzinfo=LMT_PARIS),
    datetime(2024, 5, 1, 10, 0),  # naive: no offset invented
    date(2024, 5, 1),  # a bare date stays a date
]
BODIES = [
    "The harbour reopened on Thursday after three weeks of repairs to the sea wall.",
    "Council members voted to raise the library budget by a tenth for the coming year.",
    "A late frost destroyed most of the apricot blossom in the valley orchards overnight.",
    "The museum will show the restored altarpiece from May, the curator told reporters.",
    "Two climbers were rescued from the north face after a storm cut off their route.",
]


def prepared(key: str, published_at: datetime | date, n: int) -> Prepared:
    """A stored-ready item whose date is set after the pure stages (no rounding there)."""
    body = f"{BODIES[n]} Officials gave no further details on {key}."
    record = {"title": f"Report {n}", "body": body}
    item = RawItem(
        item_key=key, source="wire", kind=Kind.RECORD, payload={"record": record}, received_at=NOW
    )
    (p,) = run_batch([item], Deps(), NOW)
    assert p.article is not None
    p.article = p.article.model_copy(update={"published_at": published_at})
    return p


def commit_and_export(url: str, batch: list[Prepared]) -> list[dict[str, Any]]:
    store = Store(url)
    try:
        store.register([p.item for p in batch], NOW)
        outcomes = store.commit(batch, NOW)
        assert [o.status for o in outcomes] == [Status.STORED] * len(batch)
        return sorted(store.export(), key=lambda row: row["id"])
    finally:
        store.close()


def comparable(row: dict[str, Any]) -> dict[str, Any]:
    # created_at is the store's own stamp (a datetime on one, a string on the other).
    return {k: v for k, v in row.items() if k != "created_at"}


def test_both_stores_keep_odd_offsets_identically(tmp_path: Path) -> None:
    batch = [prepared(f"d-{n:07d}", value, n) for n, value in enumerate(VALUES)]
    from_sqlite = commit_and_export(f"sqlite:///{tmp_path}/store.db", batch)
    with fresh_pg_database() as url:
        from_postgres = commit_and_export(url, batch)
    assert [row["published_at"] for row in from_sqlite] == [v.isoformat() for v in VALUES]
    assert [row["published_at"] for row in from_postgres] == [v.isoformat() for v in VALUES]
    assert "2024-05-01T10:00:00+05:30:15.123456" in {r["published_at"] for r in from_postgres}
    assert [comparable(r) for r in from_sqlite] == [comparable(r) for r in from_postgres]


def test_pipeline_rounds_an_odd_offset_to_minutes(store: Store) -> None:
    # Through the stages the offset is rounded (wall-clock time kept): what any reader of
    # ISO 8601 / RFC 3339 can parse.
    odd = "2024-05-01T10:00:00+05:30:15.123456"
    payload = {"record": {"title": "Odd offset", "body": BODIES[0], "published_at": odd}}
    item = RawItem(item_key="p-0000001", source="wire", kind=Kind.RECORD, payload=payload)
    store.register([item], NOW)
    store.commit(run_batch([item], Deps(), NOW), NOW)
    (row,) = store.export()
    assert row["published_at"] == "2024-05-01T10:00:00+05:30"
