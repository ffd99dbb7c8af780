"""The store's PostgreSQL transactions run without JIT, and leave the session as it was:
compiling the band-key lookup's plan took longer than running it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support import fresh_pg_database
from worker.store import Store
from worker.store.engine import read_connection, write_transaction

pytestmark = pytest.mark.integration


def test_reads_and_writes_turn_jit_off_for_their_transaction_only() -> None:
    with fresh_pg_database() as url:
        store = Store(url)
        try:
            with store.engine.connect() as conn:
                server_default = conn.execute(text("SHOW jit")).scalar_one()
            with write_transaction(store.engine) as conn:
                assert conn.execute(text("SHOW jit")).scalar_one() == "off"
            with read_connection(store.engine) as conn:
                assert conn.execute(text("SHOW jit")).scalar_one() == "off"
            # The pool's connection, in its next transaction: as the server set it.
            with store.engine.connect() as conn:
                assert conn.execute(text("SHOW jit")).scalar_one() == server_default
        finally:
            store.close()
