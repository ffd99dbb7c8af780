"""The dedup decision for one article, given what the store already holds.

Pure: the store gathers the candidates inside its write transaction (under a lock, so two
workers never decide at the same moment) and asks this module what the article is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from worker.pipeline.identity import loose_fingerprint
from worker.pipeline.neardup import NearParams, NearSig, estimated_jaccard, similarity


@dataclass(frozen=True)
class Candidate:
    """A stored (current) article that may be what a new one repeats."""

    article_id: str
    created_at: datetime
    near: NearSig | None
    source: str = ""
    external_id: str | None = None
    title: str = ""
    body: str | None = None  # held only where a same-article comparison may need it


@dataclass(frozen=True)
class Incoming:
    """What the decision needs to know of the new article."""

    near: NearSig | None
    source: str = ""
    external_id: str | None = None
    url: str | None = None
    title: str = ""
    body: str | None = None


@dataclass(frozen=True)
class Decision:
    """``stored`` (maybe as a revision, maybe linked to a shorter text) or ``duplicate``."""

    status: str
    duplicate_of: str | None = None
    similarity: float | None = None
    method: str | None = None
    revision_of: str | None = None
    similar_to: str | None = None


STORE = Decision("stored")
# A text under this share of the current version's length, contained in it, is a summary
# of what is held (a feed entry after its page): a duplicate, not a shorter revision.
SUMMARY_SHARE = 0.6
# A text this much longer than a near copy it contains is a fuller text: stored and linked.
FULLER = 1.2


def decide(
    new: Incoming,
    *,
    exact: Candidate | None,
    same: list[Candidate],
    near_candidates: list[Candidate],
    params: NearParams,
    window_start: datetime | None,
) -> Decision:
    """Exact content, then the same article (URL or GUID), then near copies."""
    if exact is not None:
        return Decision("duplicate", exact.article_id, 1.0, "exact")
    if same:
        return _decide_same_article(new, same, params)
    recent = [c for c in near_candidates if window_start is None or c.created_at >= window_start]
    return _decide_near(new, recent, params)


def same_article(new: Incoming, candidate: Candidate) -> bool:
    """At one URL, items with different GUIDs and different titles are different items."""
    distinct_ids = None not in (new.external_id, candidate.external_id) and (
        new.external_id != candidate.external_id
    )
    return not (distinct_ids and new.title.casefold() != candidate.title.casefold())


def _decide_same_article(new: Incoming, same: list[Candidate], params: NearParams) -> Decision:
    """Same page again: a trivially different body is a duplicate, a changed one a revision
    that becomes current; a summary of the text held is a duplicate of it."""
    latest = max(same, key=_age_key)
    if _same_words(new.body, latest.body):
        return Decision("duplicate", latest.article_id, 1.0, "url")
    score = _similarity(new.near, latest.near)
    contained = _containment(new.near, latest.near)
    if _size(new.near) < SUMMARY_SHARE * _size(latest.near) and contained >= params.threshold:
        return Decision("duplicate", latest.article_id, round(contained, 4), "url")
    return Decision("stored", revision_of=latest.article_id, similarity=score)


def _decide_near(new: Incoming, candidates: list[Candidate], params: NearParams) -> Decision:
    """The earliest candidate whose verified similarity passes the threshold; a fuller text
    than that candidate is stored all the same, linked to it."""
    scored = [(c, _similarity(new.near, c.near)) for c in candidates]
    hits = [(c, s) for c, s in scored if s >= params.threshold]
    if not hits:
        return STORE
    original, score = min(hits, key=lambda hit: _age_key(hit[0]))
    if _size(new.near) > FULLER * _size(original.near):
        return Decision("stored", similarity=score, similar_to=original.article_id)
    return Decision("duplicate", original.article_id, score, "near")


def _same_words(a: str | None, b: str | None) -> bool:
    # Loose fingerprints are computed here, for the few items that meet their own URL or
    # GUID again, rather than for every item on its way in.
    return a is not None and b is not None and loose_fingerprint(a) == loose_fingerprint(b)


def _containment(short: NearSig | None, long: NearSig | None) -> float:
    """How much of the shorter text the longer one holds (|A∩B| / |A|), from MinHash."""
    if short is None or long is None:
        return 0.0
    j = estimated_jaccard(short, long)
    small, large = sorted((short.size, long.size))
    return 0.0 if not small else min(1.0, j * (small + large) / ((1.0 + j) * small))


def _size(sig: NearSig | None) -> float:
    """How much text a signature summarises (distinct shingles): lengths compare by it."""
    return float(sig.size) if sig is not None else 0.0


def _similarity(a: NearSig | None, b: NearSig | None) -> float:
    if a is None or b is None:
        return 0.0
    return round(similarity(a, b), 4)


def _age_key(candidate: Candidate) -> tuple[datetime, str]:
    return (candidate.created_at, candidate.article_id)
