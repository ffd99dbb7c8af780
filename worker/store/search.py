"""Full-text search with the store's own engine, under export's filters, best first.

The index is written by a catch-up before the query (``search_index``), not by the commit.
SQLite: FTS5 (``articles_fts``, external content: revision 0003), porter stemming over
unicode61 with diacritics folded, ranked by bm25 with the title worth three times the body.
PostgreSQL: the GIN-indexed tsvectors of ``article_search`` (revision 0003), each article in
its language's text search configuration ('simple' when PostgreSQL has none),
ranked by ``ts_rank_cd``; a query is read in every configuration (or in the ``--language``
one) and the readings are OR-ed, so a word matches the stem its article was indexed under.

Query syntax on both: words (all must appear), "a quoted phrase", ``OR`` between two
alternatives, ``-word`` to exclude (PostgreSQL's ``websearch_to_tsquery`` rules).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from worker.store.reports import Filters, article_filters
from worker.store.schema import articles, items

# The language codes PostgreSQL has a configuration for (see ingest_ts_config in r0003).
PG_LANGUAGES = (
    "ar",
    "hy",
    "eu",
    "ca",
    "da",
    "nl",
    "en",
    "fi",
    "fr",
    "de",
    "el",
    "hi",
    "hu",
    "id",
    "ga",
    "it",
    "lt",
    "ne",
    "no",
    "pt",
    "ro",
    "ru",
    "sr",
    "es",
    "sv",
    "ta",
    "tr",
    "yi",
    "",
)  # fmt: skip  ("" is 'simple')
RESULT = ("seq", "id", "title", "url", "source", "language", "published_at", "created_at")
_FTS = table("articles_fts", column("rowid"))
# Per indexed article, the weighted tsvector of its title and body (revision 0003).
_DOCS = table("article_search", column("seq"), column("document"))
_TOKEN = re.compile(r'-?"[^"]*"|\S+')


def search(conn: Connection, query: str, where: Filters) -> list[dict[str, Any]]:
    """Articles matching ``query`` under ``where``, best first, each with a snippet."""
    if conn.dialect.name == "postgresql":
        return _postgresql(conn, query, where)
    return _sqlite(conn, query, where)


def fts5_query(query: str) -> str:
    """The user's query as an FTS5 expression that cannot be a syntax error: every word or
    phrase quoted, ``OR`` kept between two terms, ``-term`` as a trailing ``NOT``."""
    terms: list[str] = []
    excluded: list[str] = []
    for token in _TOKEN.findall(query):
        if token == "OR":
            if terms and terms[-1] != "OR":
                terms.append("OR")
            continue
        words = re.findall(r"\w+", token)
        if words:
            (excluded if token.startswith("-") else terms).append(f'"{" ".join(words)}"')
    while terms and terms[-1] == "OR":
        terms.pop()
    if not terms:
        return ""
    return " ".join(terms) + "".join(f" NOT {term}" for term in excluded)


def _sqlite(conn: Connection, query: str, where: Filters) -> list[dict[str, Any]]:
    match = fts5_query(query)
    if not match:
        return []
    # bm25 is smaller for better matches; shown negated, so that higher is better.
    scored = (
        select(_FTS.c.rowid, literal_column("bm25(articles_fts, 3.0, 1.0)").label("score"))
        .select_from(_FTS)
        .where(text("articles_fts MATCH :match"))
        .subquery()
    )
    rows = _ranked(conn, scored, articles.c.seq == scored.c.rowid, scored.c.score, where, match)
    snippet = "snippet(articles_fts, 1, '[', ']', '…', 16)"
    found = select(_FTS.c.rowid, literal_column(snippet)).where(
        text("articles_fts MATCH :match"), _FTS.c.rowid.in_([r["seq"] for r in rows])
    )
    snippets = {row[0]: row[1] for row in conn.execute(found, {"match": match})}
    return [{**r, "rank": -r["rank"], "snippet": snippets.get(r["seq"])} for r in rows]


def _postgresql(conn: Connection, query: str, where: Filters) -> list[dict[str, Any]]:
    languages = (where.language,) if where.language else PG_LANGUAGES
    readings = " || ".join(
        f"websearch_to_tsquery(ingest_ts_config(:l{n}), :q)" for n in range(len(languages))
    )
    params = {"q": query, **{f"l{n}": code for n, code in enumerate(languages)}}
    tsquery = conn.execute(text(f"SELECT ({readings})::text"), params).scalar_one()
    if not tsquery:  # only stop words or punctuation
        return []
    document: Any = _DOCS.c.document
    # Every reading finds candidates through the index; each article then checks (and ranks)
    # the reading in its own language: a '-word' stemmed another way must not let it in.
    any_reading = bindparam("tsq", tsquery, type_=TSQUERY)
    wanted = func.websearch_to_tsquery(
        func.ingest_ts_config(articles.c.language), bindparam("q", query)
    )
    score = (-func.ts_rank_cd(document, wanted)).label("score")
    scored = (
        select(articles.c.id.label("scored_id"), score)
        .select_from(_DOCS.join(articles, articles.c.seq == _DOCS.c.seq))
        .where(document.op("@@")(any_reading), document.op("@@")(wanted))
    )
    scored_q = scored.subquery()
    on = articles.c.id == scored_q.c.scored_id
    rows = _ranked(conn, scored_q, on, scored_q.c.score, where, "")
    options = "MaxFragments=1, MaxWords=24, MinWords=10, StartSel=[, StopSel=]"
    headline = func.ts_headline(
        func.ingest_ts_config(articles.c.language), articles.c.body, wanted, options
    )
    found = select(articles.c.seq, headline).where(articles.c.seq.in_([r["seq"] for r in rows]))
    snippets = {row[0]: row[1] for row in conn.execute(found)}
    return [{**r, "rank": -r["rank"], "snippet": snippets.get(r["seq"])} for r in rows]


def _ranked(
    conn: Connection, scored: Any, on: Any, score: Any, where: Filters, match: str
) -> list[dict[str, Any]]:
    """The matches under export's filters, best first, at most ``where.limit``."""
    cols = [articles.c[name] for name in RESULT]
    query = (
        select(*cols, score.label("rank"))
        .select_from(scored.join(articles, on).join(items, items.c.item_key == articles.c.id))
        .order_by(score, articles.c.seq)
        .limit(where.limit)
    )
    query = article_filters(query, where, conn)
    if where.after is not None:
        query = query.where(articles.c.seq > where.after)
    params = {"match": match} if match else {}
    return [_jsonable(dict(r)) for r in conn.execute(query, params).mappings()]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
