"""What the story assignment reads of an article: its vector and the evidence beside it.

Made by ``pipeline.story`` at enrichment time, carried on ``Prepared`` to the commit, and
stored with the article (``articles.story_vec``, ``articles.story_evidence``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StorySig:
    """``vector``: the title and lead embedded (float16 bytes, L2-normalised);
    ``evidence``: names (spelling-free keys), numbers, dateline place, moment (ISO)."""

    vector: bytes
    evidence: dict[str, Any] = field(default_factory=dict)
