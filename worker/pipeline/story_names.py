"""Names across spellings: when two name keys are one name, and how many names two reports
share.

Pure. The keys are ``story.name_key``'s consonant skeletons; a key matches its inflections
and derivations (a prefix), and one-letter variants once long enough, and a name of one
side counts as found when it is one of the other side's plain words (``story.word_keys``):
a name another outlet writes lower case or at the head of a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Names counted as if half of this many more were found and half missed: a fraction over two
# or three names is weak evidence (one person's first and last name are two keys).
NAME_PRIOR = 2
# Keys shorter than this only match exactly (too little is left to tell a variant).
FUZZY_MIN = 4


def keys_match(a: str, b: str) -> bool:
    """Two name keys of one name: equal, one the other's inflection or derivation (a prefix:
    Venezuela / Venezuelans, Харьков / Харьковской), or one letter apart (Eleitoral /
    Electoral) once both are long enough for that to be a spelling, not another name."""
    if a == b:
        return True
    # Called for every pair of names of every scored pair: plain comparisons, no sorting.
    short, long_ = (b, a) if len(a) > len(b) else (a, b)
    n = len(short)
    if n < FUZZY_MIN - 1:
        return False
    if long_.startswith(short):
        return len(long_) - n <= n
    return n >= FUZZY_MIN and len(long_) - n <= 1 and _one_edit(short, long_)


def _one_edit(a: str, b: str) -> bool:
    """``a`` becomes ``b`` by one substitution, insertion or deletion (``len(a) <= len(b)``)."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(b) != len(a) + 1:
        return False
    # The first difference is where the extra letter can go (if one place works, that does).
    first = next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[first:] == b[first + 1 :]


def name_sets(a: dict[str, Any], b: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The names compared for a pair: each side's dateline place counts as one of its names
    (the city an outlet writes from is often the event's), unless both are dated from the
    same place, which then says only where the outlets' bureaus are: then the words of that
    place are no names of the pair either (NEW DELHI, and "New Delhi" in the story)."""
    names_a, names_b = list(a.get("names") or []), list(b.get("names") or [])
    place_a, place_b = a.get("place"), b.get("place")
    if place_a and place_b and place_a == place_b:
        city = set(a.get("place_words") or ()) | set(b.get("place_words") or ())
        return [k for k in names_a if k not in city], [k for k in names_b if k not in city]
    if place_a and place_a not in names_a:
        names_a.append(place_a)
    if place_b and place_b not in names_b:
        names_b.append(place_b)
    return names_a, names_b


def overlap(
    a: list[str], b: list[str], words_a: Sequence[str] = (), words_b: Sequence[str] = ()
) -> float | None:
    """Names of the side with fewer that match a name of the other, or one of its plain
    words (``story.word_keys``) exactly, over their number, drawn toward one half by
    ``NAME_PRIOR`` names of each kind: a short report naming only its protagonist (two of
    two) says less than six of six; None when a side has none."""
    (small, _), (large, words) = sorted(
        ((sorted(set(a)), words_a), (sorted(set(b)), words_b)), key=lambda s: len(s[0])
    )
    if not small:
        return None
    exact = set(large) | set(words)
    near = _by_first_letter(large)
    # Set lookups first: the pairwise scan only for the keys that found no equal.
    found = sum(k in exact or any(keys_match(k, o) for o in _could_match(k, near)) for k in small)
    return (found + NAME_PRIOR / 2) / (len(small) + NAME_PRIOR)


def _by_first_letter(keys: list[str]) -> dict[str, list[str]]:
    """Keys by their first letter, and by all but it (``"\x00" + rest``): a key can match
    another (``keys_match``) only with the same first letter or, one edit apart at the
    first letter, with the same rest, or one the other's rest."""
    index: dict[str, list[str]] = {}
    for key in keys:
        index.setdefault(key[:1], []).append(key)
        index.setdefault("\x00" + key[1:], []).append(key)
    return index


def _could_match(key: str, index: dict[str, list[str]]) -> list[str]:
    """The keys of ``index`` that ``keys_match`` may accept for ``key``: the rest is never."""
    rest = key[1:]
    # Same first letter; a substitution at it (same rest); an extra first letter on the
    # other (its rest is ``key``); or on ``key`` (the other is ``key``'s rest).
    found = [*index.get(key[:1], ()), *index.get("\x00" + rest, ()), *index.get("\x00" + key, ())]
    found += [k for k in index.get(rest[:1], ()) if k == rest]
    return found
