"""The batch commit: dedup decisions, records, index keys and outcomes in ONE transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from worker.models import Article, Outcome, RawItem, Status
from worker.pipeline.batch import Prepared
from worker.pipeline.dedup import Candidate, Decision, decide
from worker.pipeline.neardup import NearParams, NearSig, band_keys_of
from worker.store import sql
from worker.store.schema import articles, dedup_keys, near_keys


@dataclass
class Index:
    """What the store holds that this batch could duplicate, kept current as we decide."""

    by_fp: dict[str, str] = field(default_factory=dict)
    by_url: dict[str, list[Candidate]] = field(default_factory=dict)
    by_band: dict[int, set[str]] = field(default_factory=dict)
    candidates: dict[str, Candidate] = field(default_factory=dict)

    def near_candidates(self, bands: Iterable[int]) -> list[Candidate]:
        ids: set[str] = set()
        for band in bands:
            members = self.by_band.get(band)
            if members:
                ids |= members
        return [self.candidates[i] for i in sorted(ids) if i in self.candidates]

    def decide(
        self,
        article: Article,
        near: NearSig | None,
        bands: list[int],
        params: NearParams,
        window_start: datetime | None,
    ) -> Decision:
        """What ``article`` is, given what this index holds now."""
        return decide(
            near,
            exact_id=self.by_fp.get(article.fingerprint),
            same_url=self.by_url.get(article.canonical_url or "", []),
            near_candidates=self.near_candidates(bands),
            params=params,
            window_start=window_start,
        )

    def add(self, article: Article, near: NearSig | None, bands: list[int], now: datetime) -> None:
        candidate = Candidate(article.item_key, now, near)
        self.by_fp[article.fingerprint] = article.item_key
        if article.canonical_url:
            self.by_url.setdefault(article.canonical_url, []).append(candidate)
        for band in bands:
            self.by_band.setdefault(band, set()).add(article.item_key)
        self.candidates[article.item_key] = candidate


@dataclass
class Writes:
    """Rows to insert at the end of the transaction, in bulk."""

    articles: list[dict[str, Any]] = field(default_factory=list)
    keys: list[dict[str, Any]] = field(default_factory=list)
    bands: list[tuple[int, str]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    quarantine: list[Prepared] = field(default_factory=list)


def commit_batch(
    conn: Connection,
    prepared: Sequence[Prepared],
    params: NearParams,
    window_days: int | None,
    now: datetime,
) -> list[Outcome]:
    """Decide every item of the batch and write it; a redelivered item changes nothing."""
    finished = sql.finished_outcomes(conn, [p.item.item_key for p in prepared])
    todo = [p for p in prepared if p.item.item_key not in finished]
    bands = _bands(todo, params)
    index = _load_index(conn, todo, bands)
    window_start = now - timedelta(days=window_days) if window_days else None
    writes = Writes()
    for p in todo:
        _decide_one(p, bands[p.item.item_key], index, writes, params, window_start, now)
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

    Originals are never deleted, so what this calls a duplicate the commit will too; it lets
    the worker skip enriching copies (the costliest stage) without deciding anything here.
    """
    todo = [p for p in prepared if p.article is not None]
    bands = _bands(todo, params)
    index = _load_index(conn, todo, bands)
    window_start = now - timedelta(days=window_days) if window_days else None
    copies: set[str] = set()
    for p in todo:
        assert p.article is not None
        key = p.item.item_key
        decision = index.decide(p.article, p.near, bands[key], params, window_start)
        if decision.status == Status.DUPLICATE:
            copies.add(key)
        else:  # as the commit will: a later copy in this same batch is a copy of this one
            index.add(p.article, p.near, bands[key], now)
    return copies


def _bands(todo: Sequence[Prepared], params: NearParams) -> dict[str, list[int]]:
    keys = band_keys_of([p.near for p in todo], params)
    return {p.item.item_key: k for p, k in zip(todo, keys, strict=True)}


def _load_index(conn: Connection, todo: Sequence[Prepared], bands: dict[str, list[int]]) -> Index:
    found = [p.article for p in todo if p.article is not None]
    index = Index()
    index.by_fp = sql.fingerprint_owners(conn, [a.fingerprint for a in found])
    index.by_url = sql.articles_at_urls(conn, [a.canonical_url for a in found if a.canonical_url])
    index.by_band = sql.band_members(conn, {b for keys in bands.values() for b in keys})
    ids = set().union(*index.by_band.values()) if index.by_band else set()
    index.candidates = sql.candidates(conn, ids)
    return index


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
    if decision.status == Status.STORED:
        _stage_article(article, p.near, bands, decision, writes, now)
        index.add(article, p.near, bands, now)


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
    writes.articles.append(sql.article_row(article, near, decision.revision_of, now))
    writes.keys.append({"key": f"fp:{article.fingerprint}", "article_id": article.item_key})
    if article.canonical_url and decision.revision_of is None:
        writes.keys.append({"key": f"url:{article.canonical_url}", "article_id": article.item_key})
    writes.bands.extend((band, article.item_key) for band in set(bands))


def _write(conn: Connection, writes: Writes, by_key: dict[str, RawItem], now: datetime) -> None:
    if writes.articles:
        conn.execute(articles.insert(), writes.articles)
    if writes.keys:
        conn.execute(dedup_keys.insert(), writes.keys)
    if writes.bands:
        sql.insert_plain_rows(conn, near_keys, ("band_key", "article_id"), writes.bands)
    sql.upsert_outcomes(conn, [(by_key[o.item_key], o) for o in writes.outcomes], now)
    sql.upsert_quarantine(conn, writes.quarantine, now)
