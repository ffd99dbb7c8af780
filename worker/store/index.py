"""The dedup index: fingerprints, canonical URLs and near-duplicate band keys.

``Index`` holds what the store has that a batch could duplicate, loaded in one query per
kind inside the write transaction and kept current as the batch is decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from worker.core.models import Article, Prepared
from worker.core.near import NearParams, NearSig
from worker.pipeline.dedup import Candidate, Decision, decide
from worker.pipeline.neardup import band_keys_of
from worker.store.driver import aware, rows_with
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


def load_index(conn: Connection, todo: Sequence[Prepared], bands: dict[str, list[int]]) -> Index:
    found = [p.article for p in todo if p.article is not None]
    index = Index()
    index.by_fp = fingerprint_owners(conn, [a.fingerprint for a in found])
    index.by_url = articles_at_urls(conn, [a.canonical_url for a in found if a.canonical_url])
    index.by_band = band_members(conn, {b for keys in bands.values() for b in keys})
    ids = set().union(*index.by_band.values()) if index.by_band else set()
    index.candidates = candidates(conn, ids)
    return index


def bands_of(todo: Sequence[Prepared], params: NearParams) -> dict[str, list[int]]:
    keys = band_keys_of([p.near for p in todo], params)
    return {p.item.item_key: k for p, k in zip(todo, keys, strict=True)}


def fingerprint_owners(conn: Connection, fingerprints: Sequence[str]) -> dict[str, str]:
    wanted = {f"fp:{fp}" for fp in fingerprints}
    rows = rows_with(conn, dedup_keys, ("key", "article_id"), "key", wanted)
    return {key[3:]: article_id for key, article_id in rows}


def articles_at_urls(conn: Connection, urls: Sequence[str]) -> dict[str, list[Candidate]]:
    found: dict[str, list[Candidate]] = {}
    cols = ("canonical_url", "id", "created_at", "near_sig")
    for url, *rest in rows_with(conn, articles, cols, "canonical_url", set(urls)):
        found.setdefault(url, []).append(_candidate(*rest))
    return found


def band_members(conn: Connection, bands: set[int]) -> dict[int, set[str]]:
    members: dict[int, set[str]] = {}
    for band, article_id in rows_with(
        conn, near_keys, ("band_key", "article_id"), "band_key", bands
    ):
        members.setdefault(band, set()).add(article_id)
    return members


def candidates(conn: Connection, ids: set[str]) -> dict[str, Candidate]:
    cols = ("id", "created_at", "near_sig")
    return {row[0]: _candidate(*row) for row in rows_with(conn, articles, cols, "id", ids)}


def _candidate(article_id: str, created_at: datetime | str, sig: bytes | None) -> Candidate:
    # Through the driver, SQLite gives its text form of the timestamp (always UTC here).
    when = datetime.fromisoformat(created_at) if isinstance(created_at, str) else created_at
    return Candidate(article_id, aware(when), _signature(sig))


def _signature(sig: bytes | None) -> NearSig | None:
    """A stored signature; one from an older encoding compares as no signature at all
    (its article still matches exactly and by URL, never by nearness)."""
    try:
        return NearSig.decode(bytes(sig)) if sig else None
    except ValueError:
        return None
