"""The dedup decision for one article, given what the store already holds.

Pure: the store gathers the candidates inside its write transaction (under a lock, so two
workers never decide at the same moment) and asks this module what the article is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from worker.pipeline.neardup import NearParams, NearSig, similarity


@dataclass(frozen=True)
class Candidate:
    """A stored article that may be what a new one duplicates."""

    article_id: str
    created_at: datetime
    near: NearSig | None


@dataclass(frozen=True)
class Decision:
    """``stored`` (maybe as a revision) or ``duplicate`` of an earlier article."""

    status: str
    duplicate_of: str | None = None
    similarity: float | None = None
    method: str | None = None
    revision_of: str | None = None


STORE = Decision("stored")


def decide(
    near: NearSig | None,
    *,
    exact_id: str | None,
    same_url: list[Candidate],
    near_candidates: list[Candidate],
    params: NearParams,
    window_start: datetime | None,
) -> Decision:
    """Exact content first, then the same URL (duplicate or revision), then near copies."""
    if exact_id is not None:
        return Decision("duplicate", exact_id, 1.0, "exact")
    if same_url:
        return _decide_same_url(near, same_url, params)
    recent = [c for c in near_candidates if window_start is None or c.created_at >= window_start]
    return _decide_near(near, recent, params)


def _decide_same_url(
    near: NearSig | None, same_url: list[Candidate], params: NearParams
) -> Decision:
    """Same page again: a near-identical body is a duplicate, a changed one a revision."""
    ordered = sorted(same_url, key=_age_key)
    latest = ordered[-1]
    score = _similarity(near, latest.near)
    if score >= params.threshold:
        # the version it repeats, which may be a revision of the first one at this URL
        return Decision("duplicate", latest.article_id, score, "url")
    return Decision("stored", revision_of=latest.article_id, similarity=score)


def _decide_near(near: NearSig | None, candidates: list[Candidate], params: NearParams) -> Decision:
    """The earliest candidate whose verified similarity passes the threshold."""
    scored = [(c, _similarity(near, c.near)) for c in candidates]
    hits = [(c, s) for c, s in scored if s >= params.threshold]
    if not hits:
        return STORE
    original, score = min(hits, key=lambda hit: _age_key(hit[0]))
    return Decision("duplicate", original.article_id, score, "near")


def _similarity(a: NearSig | None, b: NearSig | None) -> float:
    if a is None or b is None:
        return 0.0
    return round(similarity(a, b), 4)


def _age_key(candidate: Candidate) -> tuple[datetime, str]:
    return (candidate.created_at, candidate.article_id)
