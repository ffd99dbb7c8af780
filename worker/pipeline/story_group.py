"""Which stories of a window an article joins: the decision, without the store.

``Window`` holds the recent articles that have a story (vector, evidence, story id). An
article joins every story with which ``same_story`` holds for one of its articles (single
link, on a scorer built for precision); none: a new story. When it joins more than one,
the caller records that they are one (the oldest survives).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from worker.pipeline.story_score import PREFILTER, same_story, vector_of

# Candidates scored in full per article, best cosine first.
TOP = 50


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

    def add(self, member: Member) -> None:
        self.members.append(member)
        self._matrix = None

    def drop_before(self, moment: datetime) -> None:
        kept = [m for m in self.members if m.added is None or m.added >= moment]
        if len(kept) != len(self.members):
            self.members = kept
            self._matrix = None

    def matrix(self) -> np.ndarray:
        if self._matrix is None:
            rows = [vector_of(m.vector) for m in self.members]
            self._matrix = np.vstack(rows) if rows else np.zeros((0, 512), np.float32)
        return self._matrix

    def stories_for(self, vector: bytes, evidence: dict) -> dict[str, float]:
        """Story id -> best cosine of a member with which ``same_story`` holds."""
        if not self.members:
            return {}
        cos = self.matrix() @ vector_of(vector)
        order = np.argsort(-cos)[:TOP]
        found: dict[str, float] = {}
        for n in order:
            c = float(cos[n])
            if c < PREFILTER:
                break
            member = self.members[int(n)]
            if member.story_id in found:
                continue  # best cosine first: its story's best is already found
            if same_story(c, member.evidence, evidence, self.window_hours):
                found[member.story_id] = c
        return found


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
