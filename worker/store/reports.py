"""Read-side queries: stats and export."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from worker.core.models import Status
from worker.store import stories
from worker.store.schema import articles, items, quarantine, refused_messages


def stats(conn: Connection, run_id: str | None = None) -> dict[str, Any]:
    """Outcome counts by status, reason, method, language and source."""
    where = [items.c.run_id == run_id] if run_id else []
    lang = select(articles.c.language, func.count()).group_by(articles.c.language)
    return {
        "items": conn.execute(select(func.count()).select_from(items).where(*where)).scalar_one(),
        "by_status": _grouped(conn, items.c.status, where),
        "by_reason": _grouped(conn, items.c.reason, [*where, items.c.status == Status.REJECTED]),
        "by_method": _grouped(conn, items.c.method, [*where, items.c.status == Status.DUPLICATE]),
        "by_source": _grouped(conn, items.c.source, where),
        "by_language": dict(
            sorted(((str(k), int(v)) for k, v in conn.execute(lang)), key=_count_desc)
        ),
        "revisions": conn.execute(
            select(func.count()).where(articles.c.revision_of.is_not(None))
        ).scalar_one(),
        "quarantined": conn.execute(
            select(func.count()).where(quarantine.c.replayed_at.is_(None))
        ).scalar_one(),
        "refused_messages": conn.execute(
            select(func.count()).select_from(refused_messages)
        ).scalar_one(),
    }


def top_enrichment(conn: Connection, sample: int = 5000, top: int = 10) -> dict[str, Any]:
    """Most frequent entities and keywords over the latest ``sample`` stored articles.

    A sample, not the whole store: the JSON is aggregated here, portably for SQLite and
    PostgreSQL, and a bounded scan keeps `ingest stats` quick on a big store.
    """
    query = select(articles.c.enrichment).order_by(articles.c.created_at.desc()).limit(sample)
    entities: Counter[str] = Counter()
    keywords: Counter[str] = Counter()
    for (enrichment,) in conn.execute(query):
        for entity in (enrichment or {}).get("entities", []):
            entities[f"{entity['text']} ({entity['label']})"] += int(entity.get("count", 1))
        keywords.update(_keyword_text(k) for k in (enrichment or {}).get("keywords", []))
    return {
        "top_entities": dict(entities.most_common(top)),
        "top_keywords": dict(keywords.most_common(top)),
    }


def _keyword_text(keyword: Any) -> str:
    return str(keyword.get("text", keyword) if isinstance(keyword, dict) else keyword)


def _grouped(conn: Connection, column: Any, where: list[Any]) -> dict[str, int]:
    query = select(column, func.count()).where(*where).group_by(column)
    return dict(sorted(((str(k), int(v)) for k, v in conn.execute(query)), key=_count_desc))


def _count_desc(pair: tuple[Any, Any]) -> tuple[int, str]:
    return (-int(pair[1]), str(pair[0]))


@dataclass(frozen=True)
class Filters:
    """What a reader asks of the store's records (all optional)."""

    latest: bool = False  # current revisions only
    since: datetime | None = None  # written at or after
    until: datetime | None = None  # written before
    source: str | None = None
    language: str | None = None
    run_id: str | None = None
    limit: int | None = None
    after: int | None = None  # stored articles past this cursor (articles.seq), in seq order
    before: int | None = None  # stored articles below this cursor, newest first (no ``after``)
    story: str | None = None  # stored articles of this story (any id it was merged from)


def export(conn: Connection, status: str, where: Filters | None = None) -> Iterator[dict[str, Any]]:
    """Stored records with their outcome, or the ledger rows of duplicates/rejections."""
    chosen = where or Filters()
    if status == Status.STORED:
        yield from _export_articles(conn, chosen)
        return
    query = select(items).where(items.c.status == status)
    merged: dict[str, str] = {}
    if status == Status.DUPLICATE:  # a duplicate carries the story of the article it copies
        on = articles.c.id == items.c.duplicate_of
        query = query.add_columns(articles.c.story_id).outerjoin(articles, on)
        merged = stories.survivors(conn)
    query = _ledger_filters(query, chosen).order_by(items.c.accepted_at, items.c.item_key)
    for row in conn.execute(query.limit(chosen.limit)).mappings():
        record = _jsonable({k: v for k, v in row.items() if k != "payload" or status == "rejected"})
        if "story_id" in record:
            record["story_id"] = merged.get(record["story_id"], record["story_id"])
        yield record


# Not exported: signatures and vectors (the story's evidence only feeds the assignment).
HIDDEN = ("near_sig", "story_vec", "story_evidence")


def _export_articles(conn: Connection, where: Filters) -> Iterator[dict[str, Any]]:
    cols = [c for c in articles.c if c.name not in HIDDEN]
    merged = stories.survivors(conn)
    query = select(*cols, items.c.status, items.c.similarity).join(
        items, items.c.item_key == articles.c.id
    )
    query = article_filters(query, where, conn)
    if where.before is not None:
        query = query.where(articles.c.seq < where.before)
    if where.after is not None:  # the cursor's order: commit order, never reused
        query = query.where(articles.c.seq > where.after).order_by(articles.c.seq)
    elif where.before is not None:  # the same order backwards: the newest first
        query = query.order_by(articles.c.seq.desc())
    else:
        query = query.order_by(articles.c.created_at, articles.c.id)
    for row in conn.execute(query.limit(where.limit)).mappings():
        record = _jsonable(dict(row))
        record["story_id"] = merged.get(record["story_id"], record["story_id"])
        yield record


def article_filters(query: Any, where: Filters, conn: Connection) -> Any:
    """Export's filters on a query of articles joined to their ledger rows (not ``after``,
    not ``limit``); ``conn`` resolves a story's merges."""
    if where.latest:
        query = query.where(articles.c.superseded_by.is_(None))
    if where.language:
        query = query.where(articles.c.language == where.language)
    if where.story:  # any of its ids: the articles of every story merged into it too
        query = query.where(articles.c.story_id.in_(stories.members_of(conn, where.story)))
    return _ledger_filters(query, where)


def _ledger_filters(query: Any, where: Filters) -> Any:
    """Filters that the ledger row answers: when, from which source, which run."""
    if where.since is not None:
        query = query.where(items.c.finished_at >= where.since)
    if where.until is not None:
        query = query.where(items.c.finished_at < where.until)
    if where.source:
        query = query.where(items.c.source == where.source)
    if where.run_id:
        query = query.where(items.c.run_id == where.run_id)
    return query


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
