"""The batch commit: dedup decisions, records, index keys and outcomes in ONE transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, update

from worker.core.errors import Reason
from worker.core.models import Article, Outcome, Prepared, RawItem, Status
from worker.pipeline.dedup import Decision
from worker.pipeline.neardup import NearParams, NearSig
from worker.store import ledger, quarantine, sequence, stories, tombstones
from worker.store.driver import insert_plain_rows, insert_rows
from worker.store.index import Index, bands_of, load_index
from worker.store.schema import articles, dedup_keys, near_keys


@dataclass
class Writes:
    """Rows to insert at the end of the transaction, in bulk."""

    articles: list[dict[str, Any]] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)  # (key, article_id)
    bands: list[tuple[int, str]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    quarantine: list[Prepared] = field(default_factory=list)
    superseded: dict[str, str] = field(default_factory=dict)  # older version -> newer
    identities: dict[str, dict[str, str | None]] = field(default_factory=dict)


def commit_batch(
    conn: Connection,
    prepared: Sequence[Prepared],
    params: NearParams,
    window_days: int | None,
    now: datetime,
    story_window_hours: float = stories.DEFAULT_WINDOW_HOURS,
) -> list[Outcome]:
    """Decide every item of the batch and write it; a redelivered item changes nothing."""
    finished = ledger.finished_outcomes(conn, [p.item.item_key for p in prepared])
    todo = [p for p in prepared if p.item.item_key not in finished]
    bands = bands_of(todo, params)
    index = load_index(conn, todo, bands, params)
    window_start = now - timedelta(days=window_days) if window_days else None
    writes = Writes()
    # Deleted articles stay out, whoever commits them (a tombstone, see tombstones.py).
    graves = tombstones.buried(conn, [p.article for p in todo if p.article is not None])
    for p in todo:
        grave = graves.get(p.item.item_key)
        if grave is not None and p.article is not None:
            _reject_deleted(p.article, grave, writes)
            continue
        _decide_one(p, bands[p.item.item_key], index, writes, params, window_start, now)
    sigs = {p.item.item_key: p.story for p in todo}  # stories: see store/stories.py
    stories.assign(conn, writes.articles, sigs, now, story_window_hours)
    _write(conn, writes, {p.item.item_key: p.item for p in todo}, now)
    fresh = {o.item_key: o for o in writes.outcomes}
    return [finished.get(p.item.item_key) or fresh[p.item.item_key] for p in prepared]


def known_duplicates(
    conn: Connection,
    prepared: Sequence[Prepared],
    params: NearParams,
    window_days: int | None,
    now: datetime,
) -> set[str]:
    """Items the store already holds a copy of: a read-only preview of ``commit_batch``.

    Originals go only by `ingest delete`, so what this calls a duplicate the commit will too
    (barring a deletion in between); it lets the worker skip enriching copies (the costliest
    stage) without deciding anything here. Articles a tombstone keeps out are in the set too.
    """
    todo = [p for p in prepared if p.article is not None]
    bands = bands_of(todo, params)
    index = load_index(conn, todo, bands, params)
    window_start = now - timedelta(days=window_days) if window_days else None
    copies = set(tombstones.buried(conn, [p.article for p in todo if p.article is not None]))
    for p in todo:
        if p.item.item_key in copies:
            continue
        assert p.article is not None
        key = p.item.item_key
        decision = index.decide(p.article, p.near, bands[key], params, window_start)
        if decision.status == Status.DUPLICATE:
            copies.add(key)
        else:  # as the commit will: a later copy in this same batch is a copy of this one
            index.add(p.article, p.near, bands[key], now, decision.revision_of)
    return copies


def _decide_one(
    p: Prepared,
    bands: list[int],
    index: Index,
    writes: Writes,
    params: NearParams,
    window_start: datetime | None,
    now: datetime,
) -> None:
    if p.article is None:
        assert p.rejection is not None
        writes.outcomes.append(p.rejection)
        if p.error_class is not None:
            writes.quarantine.append(p)
        return
    article = p.article
    decision = index.decide(article, p.near, bands, params, window_start)
    writes.outcomes.append(_outcome(article.item_key, decision))
    writes.identities[article.item_key] = ledger.article_identity(article)
    if decision.status == Status.STORED:
        _stage_article(article, p.near, bands, decision, writes, now)
        index.add(article, p.near, bands, now, decision.revision_of)


def _reject_deleted(article: Article, grave: tombstones.Grave, writes: Writes) -> None:
    when = grave.deleted_at.isoformat() if grave.deleted_at else "earlier"
    message = (
        f"deleted {when} as {grave.article_id} (ingest delete {grave.request}); "
        f"`ingest delete --undo {grave.request}` lets it in again"
    )
    writes.outcomes.append(Outcome.rejected(article.item_key, Reason.DELETED, message))
    writes.identities[article.item_key] = ledger.article_identity(article)


def _outcome(item_key: str, decision: Decision) -> Outcome:
    stored = decision.status == Status.STORED
    return Outcome(
        item_key=item_key,
        status=Status(decision.status),
        article_id=item_key if stored else decision.duplicate_of,
        duplicate_of=decision.duplicate_of,
        similarity=decision.similarity,
        method=decision.method,
        revision_of=decision.revision_of,
    )


def _stage_article(
    article: Article,
    near: NearSig | None,
    bands: list[int],
    decision: Decision,
    writes: Writes,
    now: datetime,
) -> None:
    row = article_row(article, near, decision.revision_of, now)
    row["similar_to"] = decision.similar_to
    writes.articles.append(row)
    writes.keys.append((f"fp:{article.fingerprint}", article.item_key))
    identity = _identity_key(article)
    if identity and decision.revision_of is None:  # the first version holds the identity
        writes.keys.append((identity, article.item_key))
    if decision.revision_of is not None:
        writes.superseded[decision.revision_of] = article.item_key
    writes.bands.extend(zip(set(bands), repeat(article.item_key)))


def _identity_key(article: Article) -> str | None:
    """One article per GUID of a source, else per canonical URL: the last guard."""
    if article.external_id:
        return f"id:{article.source}\x1f{article.external_id}"[:4000]
    return f"url:{article.canonical_url}" if article.canonical_url else None


def _write(conn: Connection, writes: Writes, by_key: dict[str, RawItem], now: datetime) -> None:
    if writes.articles:
        first = sequence.reserve(conn, len(writes.articles))
        for n, row in enumerate(writes.articles):
            row["seq"] = first + n
        insert_rows(conn, articles, writes.articles)
    if writes.keys:
        insert_plain_rows(conn, dedup_keys, ("key", "article_id"), writes.keys)
    if writes.bands:
        # In key order: the keys are random, and sorted inserts walk the index's pages once.
        rows = sorted(writes.bands, key=itemgetter(0))  # comparing ints only, not whole tuples
        insert_plain_rows(conn, near_keys, ("band_key", "article_id"), rows)
    for older, newer in writes.superseded.items():
        conn.execute(update(articles).where(articles.c.id == older).values(superseded_by=newer))
    pairs = [(by_key[o.item_key], o) for o in writes.outcomes]
    ledger.upsert_outcomes(conn, pairs, now, writes.identities)
    quarantine.upsert_quarantine(conn, writes.quarantine, now)


def article_row(
    article: Article, near: NearSig | None, revision_of: str | None, now: datetime
) -> dict[str, Any]:
    row = article.model_dump(
        mode="json",
        include={
            "source", "kind", "external_id", "url", "canonical_url", "title", "body",
            "authors", "site_name", "language", "language_confidence", "declared_language",
            "fingerprint", "extra", "meta", "enrichment",
        },
    )  # fmt: skip
    published = article.published_at.isoformat() if article.published_at else None
    sig = near.encode() if near is not None else None
    extra = {"published_at": published, "near_sig": sig, "revision_of": revision_of}
    return {"id": article.item_key, **row, **extra, "created_at": now}
