"""Near-duplicate detection: MinHash signatures over word shingles, LSH band keys, verification.

Pure: no I/O, no clock, no settings. The store indexes `band_keys(sig)` next to the record
and keeps `sig.encode()` in the article row; a new article's band keys select candidates,
and `is_near_duplicate` verifies each one, so LSH banding noise never decides alone.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence

import numpy as np
from rensa import RMinHash

from worker.core import near
from worker.core.near import DEFAULT_PARAMS, NearParams, NearSig
from worker.pipeline.wordhash import (
    CJK_RANGES,
    GROUP_CHARS,
    WORD_BASE,
    distinct,
    mix,
    shingle_hashes,
    word_hashes,
)

MINHASH_SEED = near.MINHASH_SEED
_U64 = np.uint64


_CJK = "".join(f"{chr(low)}-{chr(high)}" for low, high in CJK_RANGES)
_TOKEN = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")


def tokens(text: str) -> list[str]:
    """Case-folded words without punctuation: formatting edits must not change shingles.

    The reference definition; ``near_signature`` finds the same words with array operations
    (a test holds the two to each other).
    """
    return _TOKEN.findall(text.casefold())


def shingles(words: list[str], size: int) -> set[str]:
    """Distinct word n-grams; a text shorter than one shingle becomes a single shingle."""
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return set(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False)))


def near_signature(text: str, params: NearParams = DEFAULT_PARAMS) -> NearSig:
    """MinHash of the normalised body's word shingles (text must already be NFC/whitespace)."""
    return near_signatures([text], params)[0]


def near_signatures(texts: Sequence[str], params: NearParams = DEFAULT_PARAMS) -> list[NearSig]:
    """``near_signature`` of every text, computed for the whole batch at once.

    After ``casefold`` it is array arithmetic on code points: word boundaries from a
    character-class table, a polynomial hash per word and per shingle, then rensa's batch
    MinHash over the shingle hashes. Joining shingle strings and hashing them one text at a
    time cost about five times as much.
    """
    return signatures_of_folded([text.casefold() for text in texts], params)


def signatures_of_folded(folded: Sequence[str], params: NearParams) -> list[NearSig]:
    """``near_signatures`` of texts already case-folded (``str.casefold``): the batch stage
    folds each body once for its fingerprint and its signature."""
    signatures: list[NearSig] = []
    for group in _groups(folded, GROUP_CHARS):
        signatures.extend(_signatures(group, params))
    return signatures


def _groups(texts: Sequence[str], limit: int) -> list[Sequence[str]]:
    groups: list[Sequence[str]] = []
    start, size = 0, 0
    for i, text in enumerate(texts):
        if i > start and size + len(text) > limit:
            groups.append(texts[start:i])
            start, size = i, 0
        size += len(text)
    if start < len(texts):
        groups.append(texts[start:])
    return groups


def _signatures(folded: Sequence[str], params: NearParams) -> list[NearSig]:
    words, owner = word_hashes(list(folded))
    grams, gram_owner = shingle_hashes(words, owner, len(folded), params.shingle)
    offsets = np.zeros(len(folded) + 1, dtype=_U64)
    np.cumsum(np.bincount(gram_owner, minlength=len(folded)), out=offsets[1:])
    rows = RMinHash.digest_matrix_from_flat_token_hashes(
        grams, offsets, num_perm=params.num_perm, seed=MINHASH_SEED
    ).to_rows()
    bounds = offsets.tolist()
    return [
        NearSig(tuple(row), distinct(grams[bounds[i] : bounds[i + 1]]))
        for i, row in enumerate(rows)
    ]


def band_keys(sig: NearSig, params: NearParams = DEFAULT_PARAMS) -> list[int]:
    """One signed 64-bit key per band (fits BIGINT); equal keys mark an LSH candidate.

    An empty text gets no keys: all empty signatures are equal and would all collide.
    """
    return band_keys_of([sig], params)[0]


def band_keys_of(
    sigs: Sequence[NearSig | None], params: NearParams = DEFAULT_PARAMS
) -> list[list[int]]:
    """``band_keys`` of every signature (none for a missing one), in one array pass."""
    keys: list[list[int]] = [[] for _ in sigs]
    present = [i for i, sig in enumerate(sigs) if sig is not None and sig.size > 0]
    if not present:
        return keys
    width = params.bands * params.rows
    values = np.array([sigs[i].values[:width] for i in present], dtype=_U64)  # type: ignore[union-attr]
    values = values.reshape(len(present), params.bands, params.rows)
    # The band's index is part of its key: equal rows in different bands must not collide.
    key = np.tile(np.arange(1, params.bands + 1, dtype=_U64), (len(present), 1))
    for column in range(params.rows):
        key = mix(key * _U64(WORD_BASE) + values[:, :, column])
    for i, row in zip(present, key.view(np.int64).tolist(), strict=True):
        keys[i] = row
    return keys


def estimated_jaccard(a: NearSig, b: NearSig) -> float:
    """Share of equal MinHash values: an unbiased estimate of the shingle-set Jaccard."""
    if len(a.values) != len(b.values):
        raise ValueError(f"signatures of {len(a.values)} and {len(b.values)} permutations")
    if a.size == 0 or b.size == 0:
        return 0.0
    return sum(map(operator.eq, a.values, b.values)) / len(a.values)  # map: the loop runs in C


# The shorter text must hold at least this share of the longer one's shingles for full
# containment credit; below it the score shrinks proportionally, so a brief quoted inside a
# long feature (or a three-word text inside anything) is not called its duplicate, and the
# containment estimate, noisier as the sizes part, needs more evidence. An excerpt of a third
# (ratio ~0.33, containment ~0.95) keeps 0.63 of its score and still passes 0.5.
MIN_SIZE_RATIO = 0.5


def similarity(a: NearSig, b: NearSig) -> float:
    """Overlap coefficient |A∩B| / min(|A|, |B|), estimated from MinHash Jaccard and sizes,
    scaled down when one text has under MIN_SIZE_RATIO of the other's shingles.

    Containment rather than Jaccard: reprints add headers, footers and local paragraphs,
    cut tails or keep only an excerpt; Jaccard punishes all of these (an excerpt of a third
    has J ~0.33), while the share of the shorter text found in the longer stays near 1.
    """
    j = estimated_jaccard(a, b)
    if j == 0.0:
        return 0.0
    small, large = sorted((a.size, b.size))
    overlap = min(1.0, j * (small + large) / ((1.0 + j) * small))
    return overlap * min(1.0, small / large / MIN_SIZE_RATIO)


def is_near_duplicate(
    a: NearSig, b: NearSig, params: NearParams = DEFAULT_PARAMS
) -> tuple[bool, float]:
    """Verify an LSH candidate: (similarity >= threshold, similarity)."""
    score = similarity(a, b)
    return score >= params.threshold, score
