"""The marked fast paths: queries that go straight through the DB-API driver.

SQLAlchemy's per-row and per-parameter processing cost more than the work itself on these
hot paths (thousands of band keys and ledger rows per batch), so they build their SQL
here, with the dialect's own placeholders. Everything else uses SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from worker.core import fastjson

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
) -> Sequence[Any]:
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
        return conn.exec_driver_sql(query, (wanted,)).fetchall()  # one C-level fetch
    query = f"SELECT {names} FROM {table.name} WHERE {key} IN (SELECT value FROM json_each(?))"
    return conn.exec_driver_sql(query, (fastjson.dumps(wanted),)).fetchall()


def insert_plain_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Bulk INSERT of plain integers and strings, around SQLAlchemy's per-row processing
    (for the 40 band keys of every article it cost more than the insert itself).

    SQLite takes all the rows as ONE parameter, a JSON array of rows unpacked by json_each,
    in order: the driver's executemany binds and steps each row from Python (and hands the
    GIL over and back for every step). PostgreSQL: the driver's executemany.
    """
    names = ", ".join(columns)
    if conn.dialect.name == "sqlite":
        if not rows:
            return
        values = ", ".join(f"json_extract(value, '$[{n}]')" for n in range(len(columns)))
        query = f"INSERT INTO {table.name} ({names}) SELECT {values} FROM json_each(?)"
        conn.exec_driver_sql(query, (fastjson.dumps(list(rows)),))
        return
    marks = ", ".join(["%s"] * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(rows))


def insert_for(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def bound(conn: Connection, column: Any, value: Any) -> Any:
    """``value`` as the dialect stores it in ``column`` (SQLite keeps timestamps as text)."""
    process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return process(value) if process is not None else value
