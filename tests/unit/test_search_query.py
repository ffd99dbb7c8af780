"""A user's search query becomes an FTS5 expression that SQLite always accepts."""

from __future__ import annotations

import sqlite3

import pytest

from worker.store.search import fts5_query


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("harbour reopened", '"harbour" "reopened"'),
        ('"sea wall" storm', '"sea wall" "storm"'),
        ("ferries OR ballot", '"ferries" OR "ballot"'),
        ("harbour -union", '"harbour" NOT "union"'),
        ("co-op don't", '"co op" "don t"'),
        ("OR harbour OR", '"harbour"'),
        ("-union", ""),  # nothing to match but exclusions: no results, not all results
        ('()*:"^', ""),
        ("NEAR(a b) AND c*", '"NEAR a" "b" "AND" "c"'),  # operators are words
    ],
)
def test_queries_are_quoted(query: str, expected: str) -> None:
    assert fts5_query(query) == expected


@pytest.mark.parametrize(
    "query", ['a"b', "\"'", "x OR OR y", "-", "a - b", "é:ü", "(", "NOT", "a AND", "*"]
)
def test_sqlite_accepts_every_expression(query: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE f USING fts5(title, body)")
    conn.execute("INSERT INTO f VALUES ('a b', 'x y é ü')")
    match = fts5_query(query)
    if match:
        conn.execute("SELECT rowid FROM f WHERE f MATCH ?", (match,)).fetchall()
