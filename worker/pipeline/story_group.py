"""Which stories of a window an article joins: the decision, without the store.

``Window`` holds the recent articles that have a story (vector, evidence, story id). An
article joins every story with which ``same_story`` holds for one of its articles (single
link, on a scorer built for precision), the member's cosine pulled toward its story's
centroid; none: a new story. When it joins more than one,
the caller records that they are one (the oldest survives).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from worker.pipeline.story_score import PREFILTER, same_story, vector_of

# Candidates scored in full per article, best cosine first.
TOP = 50
# A story told in several languages has a centroid (its members' mean vector) nearer to a
# new report than any one member: each member's language pulls it off the event, and the
# mean cancels part of that. A member's cosine is moved this part of the way toward its
# story's centroid's, when that is higher. Chosen on ``bench/stories.py``: every part keeps
# its precision from 0 to 0.4, one loses it at 0.5; this is the middle of that range.
CENTROID_PULL = 0.3


@dataclass
class Member:
    article_id: str
    story_id: str
    vector: bytes
    evidence: dict
    added: datetime | None = None  # when the store wrote it (the window's bound)


@dataclass
class Window:
    window_hours: float = 72
    members: list[Member] = field(default_factory=list)
    _matrix: np.ndarray | None = None
    _by_story: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index()

    def add(self, member: Member) -> None:
        self._by_story.setdefault(member.story_id, []).append(len(self.members))
        self.members.append(member)
        self._matrix = None

    def drop_before(self, moment: datetime) -> None:
        kept = [m for m in self.members if m.added is None or m.added >= moment]
        if len(kept) != len(self.members):
            self.members = kept
            self._matrix = None
            self._index()

    def _index(self) -> None:
        self._by_story = {}
        for n, member in enumerate(self.members):
            self._by_story.setdefault(member.story_id, []).append(n)

    def story_vectors(self, story: str) -> np.ndarray:
        """The vectors of the members of ``story`` in this window (rows)."""
        return self.matrix()[self._by_story.get(story, [])]

    def matrix(self) -> np.ndarray:
        if self._matrix is None:
            rows = [vector_of(m.vector) for m in self.members]
            self._matrix = np.vstack(rows) if rows else np.zeros((0, 512), np.float32)
        return self._matrix

    def stories_for(
        self, vector: bytes, evidence: dict, beside: Window | None = None
    ) -> dict[str, float]:
        """Story id -> best cosine of a member with which ``same_story`` holds, its cosine
        pulled toward its story's centroid (with the members ``beside`` holds: the batch
        being committed, or the stored window)."""
        if not self.members:
            return {}
        target = vector_of(vector)
        cos = self.matrix() @ target
        order = np.argsort(-cos)[:TOP]
        found: dict[str, float] = {}
        centroids: dict[str, float | None] = {}
        for n in order:
            c = float(cos[n])
            if c < PREFILTER:
                break
            member = self.members[int(n)]
            if member.story_id in found:
                continue  # best cosine first: its story's best is already found
            if member.story_id not in centroids:
                centroids[member.story_id] = self.centroid_cosine(member.story_id, target, beside)
            pulled = pull(c, centroids[member.story_id])
            if same_story(pulled, member.evidence, evidence, self.window_hours):
                found[member.story_id] = c
        return found

    def centroid_cosine(
        self, story: str, target: np.ndarray, beside: Window | None = None
    ) -> float | None:
        """Cosine of ``target`` with the mean of ``story``'s members (None: one member)."""
        rows = self.story_vectors(story)
        if beside is not None and story in beside._by_story:
            rows = np.vstack([rows, beside.story_vectors(story)])
        if len(rows) < 2:
            return None
        total = rows.sum(axis=0)
        norm = float(np.linalg.norm(total))
        return float(total @ target) / norm if norm else None


def pull(cosine: float, centroid: float | None) -> float:
    """A member's cosine moved ``CENTROID_PULL`` of the way up to its story's centroid's."""
    if centroid is None or centroid <= cosine:
        return cosine
    return cosine + CENTROID_PULL * (centroid - cosine)


def choose_offline(
    vectors: list[bytes], evidences: list[dict], window_hours: float = 72
) -> list[str]:
    """Stories for articles taken in order, merges applied: what the store would give."""
    window = Window(window_hours)
    merged: dict[str, str] = {}

    def final(story: str) -> str:
        while story in merged:
            story = merged[story]
        return story

    assigned: list[str] = []
    for n, (vector, evidence) in enumerate(zip(vectors, evidences, strict=True)):
        found = sorted({final(s) for s in window.stories_for(vector, evidence)})
        story = found[0] if found else f"s-{n:06d}"
        for other in found[1:]:
            merged[other] = story
        window.add(Member(str(n), story, vector, evidence))
        assigned.append(story)
    return [final(s) for s in assigned]
