"""The marked fast paths: queries that go straight through the DB-API driver.

SQLAlchemy's per-row and per-parameter processing cost more than the work itself on these
hot paths (thousands of band keys and ledger rows per batch), so they build their SQL
here, with the dialect's own placeholders. Everything else uses SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from worker.core import fastjson

T = TypeVar("T")
_CHUNK = 500  # far below SQLite's and PostgreSQL's bound-parameter limits
# Values per multi-row INSERT on SQLite: under 999, the bound-parameter limit before 3.32.
_VALUES_PER_INSERT = 500


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
        return plain_rows(conn, query, (pg_array(wanted),))
    query = f"SELECT {names} FROM {table.name} WHERE {key} IN (SELECT value FROM json_each(?))"
    return plain_rows(conn, query, (fastjson.dumps(wanted),))


def pg_array(values: Sequence[int] | Sequence[str]) -> str:
    """A PostgreSQL array literal ("{1,2}", '{"a","b"}') of integers or strings, bound as ONE
    text parameter and cast by the query: psycopg turns a Python list into an array value by
    value in Python, which cost more than the lookup itself (thousands of band keys)."""
    if all(type(v) is int for v in values):
        return "{" + ",".join(map(str, values)) + "}"
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def capped_members(conn: Connection, table: Table, bands: Iterable[int], cap: int) -> Sequence[Any]:
    """``(band_key, article_id)`` of ``table`` (``near_keys``) for each of ``bands``, at
    most ``cap`` per key (the smallest ids), in one query whose work per key is bounded by
    ``cap``: the index is read up to the cap-th id, never over all of a key's members."""
    wanted = list(bands)
    if not wanted:
        return []
    if conn.dialect.name == "postgresql":
        query = (
            "SELECT k.band_key, n.article_id FROM unnest(%s::bigint[]) AS k(band_key) "
            f"CROSS JOIN LATERAL (SELECT article_id FROM {table.name} AS m "
            "WHERE m.band_key = k.band_key ORDER BY article_id LIMIT %s) AS n"
        )
        return plain_rows(conn, query, (pg_array(wanted), cap))
    # SQLite has no LATERAL: each key's rows up to its cap-th id, found with an OFFSET on
    # the same index; a key with fewer members has no cap-th id, and any text sorts before
    # a blob, so all of its rows pass.
    query = (
        f"SELECT n.band_key, n.article_id FROM json_each(?) AS k "
        f"JOIN {table.name} AS n ON n.band_key = k.value "
        f"WHERE n.article_id <= coalesce((SELECT m.article_id FROM {table.name} AS m "
        "WHERE m.band_key = k.value ORDER BY m.article_id LIMIT 1 OFFSET ?), x'ff')"
    )
    return plain_rows(conn, query, (fastjson.dumps(wanted), cap - 1))


def plain_rows(conn: Connection, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The driver's own tuples, fetched in C: SQLAlchemy's Row objects cost more than the
    lookups on the band-key and candidate queries (tens of thousands of rows a batch once
    the store is large). A failure while fetching is wrapped as SQLAlchemy wraps one while
    executing, so the store's error handling sees the same exceptions."""
    result = conn.exec_driver_sql(query, params)
    try:
        with _wrapped_driver_errors(conn, query, params):
            return list(result.cursor.fetchall())
    finally:
        result.close()


def insert_plain_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Bulk INSERT of plain integers and strings, around SQLAlchemy's per-row processing
    (for the 40 band keys of every article it cost more than the insert itself).

    SQLite: multi-row VALUES, ``_VALUES_PER_INSERT`` values a statement (full ones are the same
    text, so the driver's statement cache compiles them once). Both the driver's executemany
    (which binds and steps each row from Python, handing the GIL over and back every step)
    and one JSON array unpacked by json_each (which parses each row again per column) cost
    more. PostgreSQL: COPY, one stream for all the rows (an executemany, even pipelined,
    has the server plan and run one INSERT per row).
    """
    if not rows:
        return
    names = ", ".join(columns)
    if conn.dialect.name == "sqlite":
        one = f"({', '.join('?' * len(columns))})"
        for part in chunks(rows, max(1, _VALUES_PER_INSERT // len(columns))):
            marks = ", ".join([one] * len(part))
            query = f"INSERT INTO {table.name} ({names}) VALUES {marks}"
            conn.exec_driver_sql(query, tuple(chain.from_iterable(part)))
        return
    copy_rows(conn, f"COPY {table.name} ({names}) FROM STDIN", rows)


def copy_rows(conn: Connection, query: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """psycopg's COPY FROM STDIN inside the connection's transaction. A failure is wrapped as
    SQLAlchemy wraps one while executing, so the store's error handling sees the same
    exceptions (a lost connection is an outage, a refused row is not)."""
    raw = conn.connection.driver_connection
    assert raw is not None  # an open Connection always has its DB-API connection
    with (
        _wrapped_driver_errors(conn, query, None),
        raw.cursor() as cursor,
        cursor.copy(query) as copy,
    ):
        for row in rows:
            copy.write_row(row)


@contextmanager
def _wrapped_driver_errors(
    conn: Connection, query: str, params: tuple[Any, ...] | None
) -> Iterator[None]:
    """Re-raise a DB-API error from work done on the raw driver as SQLAlchemy wraps one raised
    inside ``execute``, so the store's error handling sees one family of exceptions."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as exc:
        raise DBAPIError.instance(query, params, exc, dbapi_error) from exc


def insert_rows(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], conflict: Sequence[str] = ()
) -> None:
    """Bulk INSERT of dict rows that share one set of keys (``conflict``: the unique columns of
    an ON CONFLICT DO NOTHING), storing what SQLAlchemy's ``conn.execute(insert, rows)`` would.

    SQLite: the driver's executemany, each column's bind processor mapped over that column
    once; SQLAlchemy builds and processes a parameter dict per row, which cost more than the
    insert of a ledger row or a dedup key. PostgreSQL, without ``conflict``: COPY, JSON
    columns as their text (the server plans and runs one INSERT per row of an executemany).
    Rows with differing keys, or missing a column that has a Python-side default, take
    SQLAlchemy's path.
    """
    if not rows:
        return
    names = list(rows[0])
    plain = _plain(table, names, rows)
    if plain and not conflict and conn.dialect.name == "postgresql":
        _copy_dict_rows(conn, table, names, rows)
        return
    if conn.dialect.name != "sqlite" or not plain:
        stmt = insert_for(conn, table)
        if conflict:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
        conn.execute(stmt, list(rows))
        return
    values = [_bound_column(conn, table.c[name], [row[name] for row in rows]) for name in names]
    quoted = ", ".join(f'"{name}"' for name in names)
    query = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    if conflict:
        query += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    conn.exec_driver_sql(query, list(zip(*values, strict=True)))


def _copy_dict_rows(
    conn: Connection, table: Table, names: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """PostgreSQL: dict rows by COPY, a JSON column's value as the text SQLAlchemy's JSON
    type would write (so None is JSON null, as there)."""
    json_names = {name for name in names if isinstance(table.c[name].type, JSON)}
    tuples = [
        tuple(fastjson.dumps(row[n]) if n in json_names else row[n] for n in names) for row in rows
    ]
    quoted = ", ".join(f'"{name}"' for name in names)
    copy_rows(conn, f'COPY "{table.name}" ({quoted}) FROM STDIN', tuples)


def _plain(table: Table, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> bool:
    """Every row has exactly ``names``, and no column left out has a Python-side default."""
    wanted = set(names)
    if not wanted <= set(table.c.keys()) or any(row.keys() != wanted for row in rows):
        return False
    return all(c.default is None for c in table.c if c.key not in wanted)


def _bound_column(conn: Connection, column: Any, values: list[Any]) -> list[Any]:
    process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return values if process is None else list(map(process, values))


def insert_for(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def bound(conn: Connection, column: Any, value: Any) -> Any:
    """``value`` as the dialect stores it in ``column`` (SQLite keeps timestamps as text)."""
    process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return process(value) if process is not None else value
