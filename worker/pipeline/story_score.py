"""Whether two articles report the same event: the encoder's cosine corrected by evidence.

A multilingual encoder puts two reports of one event near each other, but also two events
of one kind (two bus accidents, one spokesman on two subjects). The evidence of
``pipeline.story`` moves the cosine: names shared across spellings raise it, names of one
side missing on the other (another province, another subject) lower it, a shared number
raises it, two datelines of different places lower it. ``same_story`` is the decision;
the weights and the threshold were chosen on ``bench/stories_devset.json`` (see
``bench/stories.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

THRESHOLD = 0.71
# Pairs under this cosine are not scored at all (no evidence lifts them over the threshold).
PREFILTER = THRESHOLD - 0.40


@dataclass(frozen=True)
class Weights:
    names: float = 0.60  # per unit of (overlap - 0.5)
    number: float = 0.10  # per shared number, two at most
    number_clash: float = 0.08  # both have numbers, none shared
    same_place: float = 0.05
    other_place: float = 0.03  # outlets date the same event from different cities
    late: float = 0.05  # at the far end of the window


WEIGHTS = Weights()


def vector_of(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.float16).astype(np.float32)


def cosine(a: bytes, b: bytes) -> float:
    return float(vector_of(a) @ vector_of(b))


def overlap(a: list[str], b: list[str]) -> float | None:
    """Shared keys over the smaller side; None when a side has none."""
    if not a or not b:
        return None
    return len(set(a) & set(b)) / min(len(set(a)), len(set(b)))


def score(
    cos: float,
    a: dict[str, Any],
    b: dict[str, Any],
    window_hours: float = 72,
    w: Weights = WEIGHTS,
) -> float:
    """The cosine moved by the evidence of ``a`` and ``b`` (``story.evidence`` dicts)."""
    value = cos
    names = overlap(a.get("names") or [], b.get("names") or [])
    if names is not None:
        value += w.names * (names - 0.5)
    nums_a, nums_b = set(a.get("numbers") or []), set(b.get("numbers") or [])
    shared = len(nums_a & nums_b)
    value += w.number * min(shared, 2)
    if nums_a and nums_b and not shared:
        value -= w.number_clash
    place_a, place_b = a.get("place"), b.get("place")
    if place_a and place_b:
        value += w.same_place if place_a == place_b else -w.other_place
    gap = hours_apart(a.get("at"), b.get("at"))
    if gap is not None and window_hours > 0:
        value -= w.late * min(gap / window_hours, 1.0)
    return value


def same_story(cos: float, a: dict[str, Any], b: dict[str, Any], window_hours: float = 72) -> bool:
    """Same event: the score passes and the two are at most the window apart."""
    gap = hours_apart(a.get("at"), b.get("at"))
    if gap is not None and gap > window_hours:
        return False
    return score(cos, a, b, window_hours) >= THRESHOLD


def hours_apart(a: str | None, b: str | None) -> float | None:
    moment_a, moment_b = _moment(a), _moment(b)
    if moment_a is None or moment_b is None:
        return None
    if (moment_a.tzinfo is None) != (moment_b.tzinfo is None):
        moment_a, moment_b = moment_a.replace(tzinfo=None), moment_b.replace(tzinfo=None)
    return abs((moment_a - moment_b).total_seconds()) / 3600


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
