"""Engines and write transactions for SQLite and PostgreSQL.

Writers are serialised per store: SQLite by ``BEGIN IMMEDIATE`` (one writer at a time, the
others wait on ``busy_timeout``), PostgreSQL by a transaction-scoped advisory lock. The dedup
decision is made under that lock, and the unique constraints are the last guard.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError, IntegrityError, OperationalError

from worker.core import fastjson
from worker.core.errors import ConfigError, Reason, StoreRefused, TransientError

# PostgreSQL compiles a query to machine code (JIT) when its estimated cost is high: the
# band-key lookup's is (up to 64 rows for each of thousands of keys), and compiling its plan
# took longer than running it. Turned off for this transaction only, so no session state is
# left behind a transaction-pooling pgbouncer.
_NO_JIT = "set_config('jit', 'off', true)"
# Any constant works; it only has to be the same for every writer of this schema.
_WRITE_LOCK_ID = 0x1A7E57
# Schema migrations take their own lock: every starter waits for the first to finish, and
# writers are held back only by the table locks the DDL itself takes.
MIGRATE_LOCK_ID = 0x1A7E58


# orjson for the JSON columns: every ledger row carries its item's payload.
_JSON = {"json_serializer": fastjson.dumps, "json_deserializer": fastjson.loads}


def make_engine(url: str) -> Engine:
    """An engine for ``url``; creates the folder of an SQLite file."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(url, parsed.database)
    except ArgumentError:  # the URL may hold a password: never print it
        raise ConfigError(
            "INGEST_STORE_URL is not a database URL: use sqlite:///path or "
            "postgresql+psycopg://user@host/db"
        ) from None
    except OSError as exc:  # the SQLite file's folder cannot be created
        raise ConfigError(
            f"INGEST_STORE_URL: cannot create {exc.filename}: {exc.strerror}"
        ) from None
    if parsed.get_backend_name() == "postgresql":
        parsed, connect_args = _psycopg_options(parsed)
        return create_engine(
            parsed, pool_pre_ping=True, pool_size=2, max_overflow=2, connect_args=connect_args,
            **_JSON,
        )  # fmt: skip
    raise ConfigError(f"unsupported store {parsed.get_backend_name()!r}: use sqlite or postgresql")


def _psycopg_options(url: URL) -> tuple[URL, dict[str, Any]]:
    """``?prepare_threshold=none`` (or a whole number) in the URL reaches psycopg as its value.

    psycopg prepares a statement on the server once it has run it 5 times. Behind pgbouncer
    in transaction pooling, the next transaction may run on another server connection, which
    does not know it: ``none`` turns that off. (SQLAlchemy would pass the text on as it is.)
    """
    raw = url.query.get("prepare_threshold")
    if raw is None:
        return url, {}
    value = (raw[-1] if isinstance(raw, tuple) else raw).strip().lower()
    if value != "none" and not value.isdigit():
        raise ConfigError(
            f"INGEST_STORE_URL: prepare_threshold must be none or a whole number, not {value!r}"
        )
    threshold = None if value == "none" else int(value)
    return url.difference_update_query(["prepare_threshold"]), {"prepare_threshold": threshold}


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60}, **_JSON)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # Rows carry whole articles (5 kB is typical): on the default 4 kB pages nearly every one
    # spills into overflow pages. Takes effect only when the file is created.
    cursor.execute("PRAGMA page_size=16384")
    _set_wal(cursor)  # readers never block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _set_wal(cursor: Any, attempts: int = 200) -> None:
    """``journal_mode=WAL``, retried: switching a new file to WAL can fail with "database is
    locked" without waiting on busy_timeout when several processes open it at once."""
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _sqlite_on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class SchemaMissing(TransientError):
    """A table is gone (the database was dropped and recreated): migrate, then retry.

    Still a ``TransientError`` (reason ``store_down``), so a caller that does not know about
    migrations retries it like any other store failure.
    """


def is_missing_table(exc: BaseException) -> bool:
    """``exc`` (a DBAPI error or its SQLAlchemy wrapper) says a table does not exist."""
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlstate", None) == "42P01":  # PostgreSQL undefined_table
        return True
    return "no such table" in str(orig)  # SQLite


@contextmanager
def write_transaction(engine: Engine, lock_id: int = _WRITE_LOCK_ID) -> Iterator[Connection]:
    """One serialised write transaction; database failures become ``TransientError``.

    ``lock_id``: the PostgreSQL advisory lock held until commit (SQLite: ``BEGIN IMMEDIATE``).
    """
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"SELECT pg_advisory_xact_lock(:id), {_NO_JIT}"), {"id": lock_id})
            yield conn
    except (IntegrityError, DataError) as exc:
        # A data error, not an outage: retrying the same rows cannot help. (Writers hold
        # the lock above, so a unique key is never broken by a race between two of them.)
        raise StoreRefused(f"the database refused a row: {_short(exc)}") from exc
    except (OperationalError, DBAPIError) as exc:
        raise _unavailable(exc) from exc


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"SELECT {_NO_JIT}"))
            yield conn
    except (OperationalError, DBAPIError) as exc:
        raise _unavailable(exc) from exc


def _unavailable(exc: Exception) -> TransientError:
    if is_missing_table(exc):
        return SchemaMissing(f"store schema missing: {_short(exc)}", reason=Reason.STORE_DOWN)
    return TransientError(f"store unavailable: {_short(exc)}", reason=Reason.STORE_DOWN)


def _short(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).splitlines()[0][:200]
