"""The store's PostgreSQL transactions run without JIT, and leave the session as it was:
compiling the band-key lookup's plan took longer than running it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support import fresh_pg_database
from worker.store import Store
from worker.store.engine import read_connection, write_transaction

pytestmark = pytest.mark.integration

_JIT_ON = "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET jit = on', current_database()); END $$"


def test_reads_and_writes_turn_jit_off_for_their_transaction_only() -> None:
    with fresh_pg_database() as url:
        store = Store(url)
        try:
            # On for this database whatever the server's default, so the test can fail.
            with store.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(_JIT_ON))
            store.engine.dispose()  # new connections read the database's setting
            with write_transaction(store.engine) as conn:
                assert conn.execute(text("SHOW jit")).scalar_one() == "off"
            with read_connection(store.engine) as conn:
                assert conn.execute(text("SHOW jit")).scalar_one() == "off"
            # A connection outside the store's transactions: as the database sets it.
            with store.engine.connect() as conn:
                assert conn.execute(text("SHOW jit")).scalar_one() == "on"
        finally:
            store.close()
