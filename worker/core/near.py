"""Near-duplicate signatures as values: their parameters and their stored encoding.

Shared vocabulary of the pipeline (which computes them), the store (which keeps them) and
the settings (which choose the threshold); the computation lives in ``pipeline.neardup``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Fixed seed: signatures are stored, so they must be identical across processes and releases.
# Changing it, the tokeniser, the hashes below, DEFAULT_PARAMS' shingle or num_perm or
# rensa's RMinHash algorithm (rensa pinned at 0.5.0, ALGORITHM_VERSION 2) invalidates stored
# signatures and band keys (a test pins known values); bump _ENCODING_VERSION when they change.
# A stored signature of another version decodes as an error, which the store reads as "no
# signature" (the article still matches exactly and by URL); its old band keys match nothing.
MINHASH_SEED = 20240611
# 1: RMinHash over joined shingle strings; 2: over shingle hashes (4-word shingles, 60 values);
# 3: 3-word shingles, 128 values, more CJK code points counted as one-character words.
_ENCODING_VERSION = 3
_HEADER = struct.Struct("<BHI")  # version, num_perm, size
HEADER_SIZE = _HEADER.size
ENCODING_VERSION = _ENCODING_VERSION


@dataclass(frozen=True)
class NearParams:
    """Shingle size (words), MinHash permutations, LSH bands of ``rows`` values each (the
    first ``bands * rows`` values; 0: all of them) and the verify threshold."""

    shingle: int
    num_perm: int
    bands: int
    threshold: float
    rows: int = 0

    def __post_init__(self) -> None:
        if self.rows == 0:
            object.__setattr__(self, "rows", self.num_perm // self.bands)
        if not 0 < self.bands * self.rows <= self.num_perm:
            raise ValueError(f"{self.bands} bands of {self.rows} rows in {self.num_perm} values")


# Chosen with `bench/dedup.py --sweep` on two sets built from the 181 corpus bodies: the easy
# reprints (bench/_reprints.py: 1448 queries, 2896 true pairs) and the hard ones
# (bench/_hard_reprints.py: excerpts of a third, heavy rewrites, inserted paragraphs, new
# titles, CJK edits and excerpts; same-topic and shared-boilerplate negatives), seed 7, then
# checked on seeds 11 and 23.
# - Bands of 2 rows: an excerpt of a third has Jaccard ~0.3 with its original, which 20 bands
#   of 3 rows make a candidate with p = 0.42, 40 bands of 2 with p = 0.98 (measured: 0.997 of
#   the hard set's true pairs are candidates). 32 x 2 leaves 3% of excerpts out; 48 x 2 gains
#   0.1% for 20% more index. 40 keys per article is twice the old index, and pairs sharing
#   boilerplate (Jaccard ~0.1) become candidates with p = 0.33 instead of 0.02: verification
#   turns them down, at the cost of fetching their signatures.
# - shingle 3: in the worst 1% a heavy rewrite (25-35% of the words changed) keeps 50% of its
#   3-word shingles against 39% of its 4-word ones, while the most similar different articles
#   (same host, same topic, shared boilerplate) reach 0.37 vs 0.35 (0.31 vs 0.28 on the easy
#   set). In Chinese and Japanese a shingle is 3 characters, about a word and a half.
# - num_perm 128 (519 bytes stored): verification estimates containment from the Jaccard
#   estimate, whose noise grows as the sizes part; the highest different-article score over
#   all pairs falls from 0.46 with 60 values to 0.40-0.42 (hard) and 0.32-0.33 (easy). MinHash
#   over the shingle hashes is ~4% of near_signature's time, so 128 values cost little there.
# - threshold 0.5 on the overlap coefficient (discounted below a size ratio of 0.5): hard-set
#   recall 0.991-0.994 over three seeds with no false positive; 0.45 gives 0.996-0.998, also
#   with none, but leaves 0.03 between the threshold and the highest negative (0.42).
DEFAULT_PARAMS = NearParams(shingle=3, num_perm=128, bands=40, threshold=0.5, rows=2)


@dataclass(frozen=True)
class NearSig:
    """A MinHash signature plus the number of distinct shingles it summarises."""

    values: tuple[int, ...]
    size: int

    def encode(self) -> bytes:
        # Little-endian uint32s: the MinHash values are 32-bit, so 4 bytes each suffice.
        n = len(self.values)
        return _HEADER.pack(_ENCODING_VERSION, n, self.size) + struct.pack(f"<{n}I", *self.values)

    @classmethod
    def decode(cls, data: bytes) -> NearSig:
        version, n, size = _HEADER.unpack_from(data)
        if version != _ENCODING_VERSION or len(data) != _HEADER.size + 4 * n:
            raise ValueError(f"not a NearSig v{_ENCODING_VERSION} encoding ({len(data)} bytes)")
        return cls(struct.unpack_from(f"<{n}I", data, _HEADER.size), size)


def current_header(data: bytes) -> tuple[int, int] | None:
    """(num_perm, size) of a signature in the current encoding; None for any other bytes."""
    if len(data) < _HEADER.size:
        return None
    version, n, size = _HEADER.unpack_from(data)
    if version != _ENCODING_VERSION or len(data) != _HEADER.size + 4 * n:
        return None
    return n, size
