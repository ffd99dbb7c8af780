"""Near-duplicate detection: MinHash signatures over word shingles, LSH band keys, verification.

Pure: no I/O, no clock, no settings. The store indexes `band_keys(sig)` next to the record
and keeps `sig.encode()` in the article row; a new article's band keys select candidates,
and `is_near_duplicate` verifies each one, so LSH banding noise never decides alone.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass

from rensa import RMinHash

# Fixed seed: signatures are stored, so they must be identical across processes and releases.
# Changing it, the tokeniser below or rensa's RMinHash algorithm (rensa pinned at 0.5.0,
# ALGORITHM_VERSION 2; a test pins known values) invalidates stored signatures and keys.
MINHASH_SEED = 20240611
_ENCODING_VERSION = 1
_HEADER = struct.Struct("<BHI")  # version, num_perm, size


@dataclass(frozen=True)
class NearParams:
    """Shingle size (words), MinHash permutations, LSH bands and the verify threshold."""

    shingle: int
    num_perm: int
    bands: int
    threshold: float

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


# Chosen with `bench/dedup.py --sweep` on reprints of the 181 corpus bodies (1448 queries,
# 2896 true pairs, 521k negative pairs):
# - shingle 4: 3-word shingles share function-word runs across unrelated articles (highest
#   negative similarity 0.40 vs 0.37); 5 loses recall to word edits (each edit breaks 5).
# - rows 3 (num_perm 60 = 20 bands x 3): LSH catches Jaccard 0.5 with p = 0.94 and 0.6 with
#   p = 0.99 (recall 0.986); rows 4 drops recall to 0.962; rows 2 gains 0.009 but sends 7x
#   more unrelated same-topic pairs (J = 0.15: p = 0.49 vs 0.07) to verification. 20 bands
#   = 20 index rows per article (2.1 kB in SQLite, 1.05 kB if near_keys is WITHOUT ROWID);
#   32 bands buy 0.006 recall for 60% more index.
# - num_perm 60 also sets verification noise: the Jaccard estimate's standard error is at
#   most 0.065, small next to the gap between the classes below.
# - threshold 0.5 on the overlap coefficient: negatives peak at 0.37 (same-host pairs
#   sharing boilerplate), while 99% of true pairs score above 0.57.
DEFAULT_PARAMS = NearParams(shingle=4, num_perm=60, bands=20, threshold=0.5)


@dataclass(frozen=True)
class NearSig:
    """A MinHash signature plus the number of distinct shingles it summarises."""

    values: tuple[int, ...]
    size: int

    def encode(self) -> bytes:
        # Little-endian uint32s: rensa's RMinHash values are 32-bit, so 4 bytes each suffice.
        n = len(self.values)
        return _HEADER.pack(_ENCODING_VERSION, n, self.size) + struct.pack(f"<{n}I", *self.values)

    @classmethod
    def decode(cls, data: bytes) -> NearSig:
        version, n, size = _HEADER.unpack_from(data)
        if version != _ENCODING_VERSION or len(data) != _HEADER.size + 4 * n:
            raise ValueError(f"not a NearSig v{_ENCODING_VERSION} encoding ({len(data)} bytes)")
        return cls(struct.unpack_from(f"<{n}I", data, _HEADER.size), size)


# Words are runs of letters/digits. Quote glyphs (’ ' « » “ ” ") are never part of a word,
# so restyled quotes and apostrophes split the same way without a costly translate().
# Han and kana are written without spaces, so each such character counts as a word;
# otherwise a whole Chinese or Japanese sentence would be a single token.
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|\w+")


def tokens(text: str) -> list[str]:
    """Case-folded words without punctuation: formatting edits must not change shingles."""
    return _TOKEN.findall(text.casefold())


def shingles(words: list[str], size: int) -> set[str]:
    """Distinct word n-grams; a text shorter than one shingle becomes a single shingle."""
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    # zip over shifted views is about 25% faster than slicing per position.
    return set(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False)))


def near_signature(text: str, params: NearParams = DEFAULT_PARAMS) -> NearSig:
    """MinHash of the normalised body's word shingles (text must already be NFC/whitespace)."""
    grams = shingles(tokens(text), params.shingle)
    minhash = RMinHash(num_perm=params.num_perm, seed=MINHASH_SEED)
    if grams:
        minhash.update(list(grams))  # order-free: each value is a minimum over the set
    return NearSig(tuple(minhash.digest()), len(grams))


def _band_key(index: int, rows: tuple[int, ...]) -> int:
    # blake2b rather than hash(): stable across processes (PYTHONHASHSEED) and versions.
    payload = struct.pack(f"<H{len(rows)}I", index, *rows)
    return int.from_bytes(hashlib.blake2b(payload, digest_size=8).digest(), "little", signed=True)


def band_keys(sig: NearSig, params: NearParams = DEFAULT_PARAMS) -> list[int]:
    """One signed 64-bit key per band (fits BIGINT); equal keys mark an LSH candidate.

    An empty text gets no keys: all empty signatures are equal and would all collide.
    """
    if sig.size == 0:
        return []
    rows = params.rows
    return [_band_key(b, sig.values[b * rows : (b + 1) * rows]) for b in range(params.bands)]


def estimated_jaccard(a: NearSig, b: NearSig) -> float:
    """Share of equal MinHash values: an unbiased estimate of the shingle-set Jaccard."""
    if len(a.values) != len(b.values):
        raise ValueError(f"signatures of {len(a.values)} and {len(b.values)} permutations")
    if a.size == 0 or b.size == 0:
        return 0.0
    return sum(x == y for x, y in zip(a.values, b.values, strict=True)) / len(a.values)


# The shorter text must hold at least this share of the longer one's shingles for full
# containment credit; below it the score shrinks proportionally, so a brief quoted inside a
# long feature (or a three-word text inside anything) is not called its duplicate.
MIN_SIZE_RATIO = 0.5


def similarity(a: NearSig, b: NearSig) -> float:
    """Overlap coefficient |A∩B| / min(|A|, |B|), estimated from MinHash Jaccard and sizes,
    scaled down when one text has under MIN_SIZE_RATIO of the other's shingles.

    Reprints add headers/footers and cut tails; Jaccard punishes both (a 30% cut alone
    leaves J = 0.7), while the overlap of the shorter text with the longer stays near 1.
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
