"""PostgreSQL compresses the wide columns with lz4 (migration 0005): pglz was most of the
server's time per ledger row the producer registers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from tests.support import fresh_pg_database
from worker.core.models import Kind, RawItem
from worker.store import Store
from worker.store.migrations.versions.r0005_lz4_payloads import WIDE, lz4_available

pytestmark = pytest.mark.integration


def test_wide_columns_are_lz4_and_a_large_payload_is_written_with_it() -> None:
    with fresh_pg_database() as url:
        store = Store(url)
        try:
            store.ensure_schema()
            with store.engine.connect() as conn:
                if not lz4_available(conn):
                    pytest.skip("this PostgreSQL has no lz4 (before 14, or built without it)")
                methods = {
                    (table, column): conn.execute(
                        text(
                            "SELECT attcompression FROM pg_attribute "
                            "WHERE attrelid = CAST(:t AS regclass) AND attname = :c"
                        ),
                        {"t": table, "c": column},
                    ).scalar_one()
                    for table, column in WIDE
                }
            assert set(methods.values()) == {"l"}, methods
            body = " ".join(
                f"Paragraph {n} of a long article about the harbour." for n in range(400)
            )
            item = RawItem(
                item_key="run-0000001",
                source="test",
                kind=Kind.RECORD,
                payload={"record": {"title": "Harbour", "body": body}},
                received_at=datetime.now(UTC),
            )
            store.register([item], datetime.now(UTC), [item.model_dump_json()])
            with store.engine.connect() as conn:
                method = conn.execute(
                    text("SELECT pg_column_compression(payload) FROM items")
                ).scalar_one()
            assert method == "lz4"
        finally:
            store.close()
