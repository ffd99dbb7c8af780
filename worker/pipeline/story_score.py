"""Whether two articles report the same event: the encoder's cosine corrected by evidence.

A multilingual encoder puts two reports of one event near each other, but also two events
of one kind (two bus accidents, one spokesman on two subjects). The evidence of
``pipeline.story`` moves the cosine: names shared across spellings raise it (a key matches
its inflections and one-letter variants, and a plain word of the other side), names of one
side missing on the other (another province, another subject) lower it, half as much
between two languages, a shared number raises it (a rounded figure matches the exact one),
Han character pairs shared by a Chinese and a Japanese report raise it, two datelines of
different places lower it, reports published within hours of each other raise it, and two
reports that name different days for what they tell (Sunday's withdrawal, Monday's
endorsement) are two events, a follow-up more than the event. The cosine of a text the
encoder does not read counts for little. ``same_story`` is the
decision; the weights and the threshold were chosen on the splits of
``bench/stories_devset.json`` (see ``bench/stories.py``), in the middle of the range where
every split keeps its precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from worker.pipeline.story_names import NAME_PRIOR, name_sets, overlap
from worker.pipeline.story_numbers import shared_numbers

THRESHOLD = 0.71
# The most the encoder's cosine says for a pair where one side is a text it does not read
# (``story.encoder_reads``): below what two unrelated events of one kind score in one
# language, so that only the evidence can join such a pair. Chosen on ``bench/stories.py``:
# every part keeps its figures from 0.45 to 0.7; this is the lower middle of that range.
UNREAD_COSINE = 0.55


@dataclass(frozen=True)
class Weights:
    names: float = 0.60  # per unit of (overlap - 0.5)
    # The part of a names' shortfall that counts between reports in two languages: a name
    # one side lacks may be translated there (Masjid Istiqlal, Trägerrakete) or be a noun
    # the other language writes with a capital (German), not another event's.
    names_shortfall_across: float = 0.5
    number: float = 0.10  # per shared number, two at most
    number_clash: float = 0.08  # both have numbers, none shared
    same_place: float = 0.05
    other_place: float = 0.03  # outlets date the same event from different cities
    late: float = 0.15  # at the far end of the window: a follow-up more than the event
    # Reports of one event come out within hours of each other; the hard cases (the same
    # spokesman on another subject, a second accident) are mostly another day.
    near: float = 0.14  # published together, falling to nothing at ``near_hours`` apart
    near_hours: float = 24
    # The leads name different days: another day's event (a follow-up, a second accident).
    day_clash: float = 0.25
    # Reports published closer than this may name adjacent days for one event: the local day
    # turns at different hours across time zones, and "Thursday night" is "the night to Friday".
    adjacent_day_hours: float = 12
    day_match: float = 0.05  # the leads name one day
    # Han character pairs shared by reports in two languages (Chinese and Japanese): from
    # nothing at ``han_floor`` pairs (words of any report: 韓国, 死亡, 首相) to all of it at
    # ``han_full``.
    han: float = 0.25
    han_floor: int = 4
    han_full: int = 12


WEIGHTS = Weights()
# Pairs under this cosine are not scored at all: all the evidence at its best (every name
# shared, two numbers, one place, published together) would not lift them to the threshold.
MAX_LIFT = (
    0.5 * WEIGHTS.names
    + 2 * WEIGHTS.number
    + WEIGHTS.same_place
    + WEIGHTS.near
    + WEIGHTS.day_match
    + WEIGHTS.han
)
PREFILTER = THRESHOLD - MAX_LIFT


def vector_of(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.float16).astype(np.float32)


def cosine(a: bytes, b: bytes) -> float:
    return float(vector_of(a) @ vector_of(b))


def score(
    cos: float,
    a: dict[str, Any],
    b: dict[str, Any],
    window_hours: float = 72,
    w: Weights = WEIGHTS,
) -> float:
    """The cosine moved by the evidence of ``a`` and ``b`` (``story.evidence`` dicts)."""
    gap = hours_apart(a.get("at"), b.get("at"))
    cos = read_cosine(cos, a, b)
    return cos + names_lift(name_sets(a, b), a, b, w) + other_lift(a, b, gap, window_hours, w)


def names_lift(
    names: tuple[list[str], list[str]], a: dict[str, Any], b: dict[str, Any], w: Weights
) -> float:
    """What the names (``name_sets`` of ``a`` and ``b``) add to the cosine, or take off."""
    found = overlap(*names, a.get("words") or (), b.get("words") or ())
    if found is None:
        return 0.0
    lift = w.names * (found - 0.5)
    if lift < 0 and a.get("language") != b.get("language"):
        return lift * w.names_shortfall_across
    return lift


def most_names_lift(names: tuple[list[str], list[str]], w: Weights) -> float:
    """The most ``names_lift`` can be: every name of the side with fewer found."""
    fewer = min(len(set(names[0])), len(set(names[1])))
    if not fewer:
        return 0.0
    return w.names * ((fewer + NAME_PRIOR / 2) / (fewer + NAME_PRIOR) - 0.5)


def other_lift(
    a: dict[str, Any], b: dict[str, Any], gap: float | None, window_hours: float, w: Weights
) -> float:
    """What the numbers, places, days and publication times (``gap``: hours apart, from
    ``hours_apart``) add to the cosine, or take off."""
    value = 0.0
    nums_a, nums_b = set(a.get("numbers") or []), set(b.get("numbers") or [])
    shared = shared_numbers(nums_a, nums_b)
    value += w.number * min(shared, 2)
    if nums_a and nums_b and not shared:
        value -= w.number_clash
    place_a, place_b = a.get("place"), b.get("place")
    if place_a and place_b:
        value += w.same_place if place_a == place_b else -w.other_place
    days_a, days_b = a.get("days") or (), b.get("days") or ()
    if days_clash(days_a, days_b, gap, w.adjacent_day_hours):
        value -= w.day_clash
    elif set(days_a) & set(days_b):
        value += w.day_match
    value += han_lift(a, b, w)
    if gap is not None and window_hours > 0:
        value -= w.late * min(gap / window_hours, 1.0)
    if gap is not None and w.near_hours > 0:
        value += w.near * max(0.0, 1.0 - gap / w.near_hours)
    return value


def han_lift(a: dict[str, Any], b: dict[str, Any], w: Weights) -> float:
    """What the Han character pairs of two reports in different languages add: their names
    in a script the encoder reads as two languages. Within one language the encoder reads
    them, and the pairs of its common words would say more than the names."""
    if a.get("language") == b.get("language"):
        return 0.0
    shared = len(set(a.get("han") or ()) & set(b.get("han") or ()))
    return w.han * min(max(shared - w.han_floor, 0) / (w.han_full - w.han_floor), 1.0)


def days_clash(
    a: Sequence[str], b: Sequence[str], gap: float | None, adjacent_hours: float
) -> bool:
    """Both leads name days (``story.days_of``) and none is shared: two days apart or more,
    or adjacent days in reports published ``adjacent_hours`` apart or more."""
    if not a or not b:
        return False
    try:
        apart = min(abs((date.fromisoformat(x) - date.fromisoformat(y)).days) for x in a for y in b)
    except ValueError:
        return False
    return apart >= 2 or (apart == 1 and (gap is None or gap >= adjacent_hours))


# Far below any score's rounding: a pair is decided without its names only when the names
# could not change the decision by any margin a sum of a few floats can hide.
_SLACK = 1e-9


def same_story(cos: float, a: dict[str, Any], b: dict[str, Any], window_hours: float = 72) -> bool:
    """Same event: the score passes and the two are at most the window apart. Matching the
    names is most of a pair's cost, so the other evidence comes first: a pair the names
    could not lift to the threshold even if every one were shared is decided without them."""
    gap = hours_apart(a.get("at"), b.get("at"))
    if gap is not None and gap > window_hours:
        return False
    cos = read_cosine(cos, a, b)
    names = name_sets(a, b)
    without = cos + other_lift(a, b, gap, window_hours, WEIGHTS)
    if without + most_names_lift(names, WEIGHTS) < THRESHOLD - _SLACK:
        return False
    return without + names_lift(names, a, b, WEIGHTS) >= THRESHOLD


def read_cosine(cos: float, a: dict[str, Any], b: dict[str, Any]) -> float:
    """The cosine, at most ``UNREAD_COSINE`` when the encoder does not read one side (an
    evidence written before that was recorded counts as read)."""
    if a.get("read", True) and b.get("read", True):
        return cos
    return min(cos, UNREAD_COSINE)


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
