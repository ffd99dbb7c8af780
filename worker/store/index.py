"""The dedup index: fingerprints, canonical URLs and near-duplicate band keys.

``Index`` holds what the store has that a batch could duplicate, loaded in one query per
kind inside the write transaction and kept current as the batch is decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import Connection

from worker.core.models import Article, Prepared
from worker.core.near import NearParams, NearSig
from worker.pipeline.dedup import Candidate, Decision, Incoming, decide, same_article
from worker.pipeline.nearbatch import pair_similarities, signature_matrix
from worker.pipeline.neardup import band_keys_of
from worker.store.driver import aware, capped_members, rows_with
from worker.store.schema import articles, dedup_keys, near_keys


@dataclass
class Index:
    """What the store holds that this batch could repeat, kept current as we decide.

    Only current versions are held for URLs and GUIDs: an article superseded by a revision
    is never what a new version is compared with.
    """

    by_fp: dict[str, str] = field(default_factory=dict)
    by_url: dict[str, list[Candidate]] = field(default_factory=dict)
    by_guid: dict[tuple[str, str], list[Candidate]] = field(default_factory=dict)
    by_band: dict[int, set[str]] = field(default_factory=dict)
    candidates: dict[str, Candidate] = field(default_factory=dict)

    # Bands that two or more items of this batch have: only through these can an item be a
    # candidate of a later one, so only these are added as the batch is decided.
    shared_bands: set[int] = field(default_factory=set)

    def near_candidates(self, bands: Iterable[int]) -> list[Candidate]:
        ids: set[str] = set().union(*map(self.by_band.__getitem__, self.by_band.keys() & bands))
        return [self.candidates[i] for i in sorted(ids) if i in self.candidates]

    def same_article(self, new: Incoming) -> list[Candidate]:
        """Current versions at the same GUID, or at the same URL unless told apart."""
        guid = _guid(new.source, new.external_id)
        found = {c.article_id: c for c in (self.by_guid.get(guid, []) if guid else [])}
        for c in self.by_url.get(new.url or "", []):
            if same_article(new, c):
                found.setdefault(c.article_id, c)
        return list(found.values())

    def decide(
        self,
        article: Article,
        near: NearSig | None,
        bands: list[int],
        params: NearParams,
        window_start: datetime | None,
    ) -> Decision:
        """What ``article`` is, given what this index holds now."""
        new = incoming(article, near)
        exact_id = self.by_fp.get(article.fingerprint)
        exact = None if exact_id is None else self.candidates.get(exact_id, _bare(exact_id))
        return decide(
            new,
            exact=exact,
            same=self.same_article(new),
            near_candidates=self.near_candidates(bands),
            params=params,
            window_start=window_start,
        )

    def add(
        self,
        article: Article,
        near: NearSig | None,
        bands: list[int],
        now: datetime,
        supersedes: str | None = None,
    ) -> None:
        candidate = held(article, near, now)
        self.by_fp[article.fingerprint] = article.item_key
        if article.canonical_url:
            self.by_url[article.canonical_url] = _replace(
                self.by_url.get(article.canonical_url, []), candidate, supersedes
            )
        guid = _guid_of(article)
        if guid:
            self.by_guid[guid] = _replace(self.by_guid.get(guid, []), candidate, supersedes)
        for band in self.shared_bands.intersection(bands):
            self.by_band.setdefault(band, set()).add(article.item_key)
        self.candidates[article.item_key] = candidate


def _replace(held: list[Candidate], new: Candidate, supersedes: str | None) -> list[Candidate]:
    return [*(c for c in held if c.article_id != supersedes), new]


def incoming(article: Article, near: NearSig | None) -> Incoming:
    return Incoming(
        near=near, source=article.source, external_id=article.external_id,
        url=article.canonical_url, title=article.title, body=article.body,
    )  # fmt: skip


def held(article: Article, near: NearSig | None, now: datetime) -> Candidate:
    return Candidate(
        article.item_key, now, near, source=article.source, external_id=article.external_id,
        title=article.title, body=article.body,
    )  # fmt: skip


def _guid(source: str, external_id: str | None) -> tuple[str, str] | None:
    return (source, external_id) if external_id else None


def _guid_of(article: Article) -> tuple[str, str] | None:
    return _guid(article.source, article.external_id)


def _bare(article_id: str) -> Candidate:
    """An exact match whose row was not loaded (it cannot be boilerplate-checked)."""
    return Candidate(article_id, datetime.min, None)


def load_index(
    conn: Connection, todo: Sequence[Prepared], bands: dict[str, list[int]], params: NearParams
) -> Index:
    found = [p.article for p in todo if p.article is not None]
    index = Index()
    index.by_fp = fingerprint_owners(conn, [a.fingerprint for a in found])
    index.by_url = current_by(conn, "canonical_url", {a.canonical_url for a in found})
    ids = {a.external_id for a in found if a.external_id}
    by_id = current_by(conn, "external_id", ids)
    index.by_guid = _group_guids(by_id)
    index.by_band = band_members(conn, {b for keys in bands.values() for b in keys})
    index.shared_bands = shared_bands(bands.values())
    near = passing_candidates(conn, todo, bands, index.by_band, params)
    index.candidates = candidates(conn, near | set(index.by_fp.values()))
    return index


def passing_candidates(
    conn: Connection,
    todo: Sequence[Prepared],
    bands: dict[str, list[int]],
    members: dict[int, set[str]],
    params: NearParams,
) -> set[str]:
    """Stored LSH candidates whose signature passes verification against an item that
    selected them: only their rows are loaded whole.

    Most candidates fail (texts that share common phrases); verifying them on the bare
    signatures, a batch at a time, keeps them from costing a row each. ``decide`` verifies
    the survivors again, with the same arithmetic: this only narrows what it is given.
    """
    wanted = sorted(set().union(*members.values())) if members else []
    if not wanted:
        return set()
    rows = rows_with(conn, articles, ("id", "near_sig"), "id", wanted)
    kept, values, sizes = signature_matrix([bytes(sig or b"") for _, sig in rows], params.num_perm)
    ids = [rows[i][0] for i in kept]
    position = {article_id: n for n, article_id in enumerate(ids)}
    pair_item: list[int] = []
    pair_row: list[int] = []
    signed = [p for p in todo if p.near is not None and p.near.size > 0]
    for k, p in enumerate(signed):
        selected = set().union(*map(members.__getitem__, members.keys() & bands[p.item.item_key]))
        at = [position[m] for m in selected if m in position]
        pair_item.extend([k] * len(at))
        pair_row.extend(at)
    if not pair_row:
        return set()
    mine = np.array([p.near.values for p in signed], dtype=np.uint32)  # type: ignore[union-attr]
    my_sizes = np.array([p.near.size for p in signed], dtype=np.float64)  # type: ignore[union-attr]
    passing: set[int] = set()
    for start in range(0, len(pair_row), _PAIRS_AT_ONCE):
        item = np.array(pair_item[start : start + _PAIRS_AT_ONCE])
        row = np.array(pair_row[start : start + _PAIRS_AT_ONCE])
        scores = pair_similarities(mine[item], my_sizes[item], values[row], sizes[row])
        # A hair under the threshold: rounding must never drop what decide would keep.
        passing.update(row[scores >= params.threshold - 1e-9].tolist())
    return {ids[n] for n in passing}


# Pairs compared in one array operation: two gathered copies of 512 bytes each per pair, so
# a batch whose items share bands with many stored articles stays within tens of megabytes.
_PAIRS_AT_ONCE = 16_384


def shared_bands(per_item: Iterable[list[int]]) -> set[int]:
    """Band keys that more than one of the lists holds."""
    seen: set[int] = set()
    shared: set[int] = set()
    for keys in per_item:
        shared.update(seen.intersection(keys))
        seen.update(keys)
    return shared


def _group_guids(by_id: dict[str, list[Candidate]]) -> dict[tuple[str, str], list[Candidate]]:
    grouped: dict[tuple[str, str], list[Candidate]] = {}
    for external_id, found in by_id.items():
        for c in found:
            grouped.setdefault((c.source, external_id), []).append(c)
    return grouped


def bands_of(todo: Sequence[Prepared], params: NearParams) -> dict[str, list[int]]:
    # A thin body is never a near-duplicate on its text alone: it gets no band keys.
    keys = band_keys_of([None if _thin(p) else p.near for p in todo], params)
    return {p.item.item_key: k for p, k in zip(todo, keys, strict=True)}


def _thin(p: Prepared) -> bool:
    return p.article is not None and p.article.thin


def fingerprint_owners(conn: Connection, fingerprints: Sequence[str]) -> dict[str, str]:
    wanted = {f"fp:{fp}" for fp in fingerprints}
    rows = rows_with(conn, dedup_keys, ("key", "article_id"), "key", wanted)
    return {key[3:]: article_id for key, article_id in rows}


_COLS = ("id", "created_at", "near_sig", "source", "external_id", "title")


def current_by(
    conn: Connection, column: str, values: Iterable[str | None]
) -> dict[str, list[Candidate]]:
    """Current (not superseded) articles whose ``column`` is one of ``values``, with their
    bodies: a new version at the same URL or GUID is compared with the text it would replace."""
    found: dict[str, list[Candidate]] = {}
    cols = (column, "superseded_by", *_COLS, "body")
    wanted = {v for v in values if v}
    for key, superseded_by, *rest in rows_with(conn, articles, cols, column, wanted):
        if superseded_by is None:
            found.setdefault(key, []).append(_candidate(*rest))
    return found


# Stored articles read per band key. A key that many articles share comes from text they
# all carry (a site's boilerplate, a press release quoted everywhere, or a flood written
# to make every later item compare itself with all of them): past this many, its members
# say little about nearness, and reading them all would make each item's cost grow with
# the store. A true copy shares many of its 40 keys with its original; a key that is
# capped is one of several.
MAX_BAND_MEMBERS = 64


def band_members(
    conn: Connection, bands: set[int], cap: int = MAX_BAND_MEMBERS
) -> dict[int, set[str]]:
    """The stored articles of each band key, at most ``cap`` of them (the first by id, so
    that every worker reads the same ones)."""
    members: dict[int, set[str]] = {}
    for band, article_id in capped_members(conn, near_keys, bands, cap):
        members.setdefault(band, set()).add(article_id)
    return members


def candidates(conn: Connection, ids: set[str]) -> dict[str, Candidate]:
    return {row[0]: _candidate(*row) for row in rows_with(conn, articles, _COLS, "id", ids)}


def _candidate(
    article_id: str,
    created_at: datetime | str,
    sig: bytes | None,
    source: str = "",
    external_id: str | None = None,
    title: str = "",
    body: str | None = None,
) -> Candidate:
    # Through the driver, SQLite gives its text form of the timestamp (always UTC here).
    when = datetime.fromisoformat(created_at) if isinstance(created_at, str) else created_at
    return Candidate(
        article_id, aware(when), _signature(sig), source=source, external_id=external_id,
        title=title or "", body=body,
    )  # fmt: skip


def _signature(sig: bytes | None) -> NearSig | None:
    """A stored signature; one from an older encoding compares as no signature at all
    (its article still matches exactly and by URL, never by nearness)."""
    try:
        return NearSig.decode(bytes(sig)) if sig else None
    except ValueError:
        return None
