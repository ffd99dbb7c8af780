"""Near-duplicate signatures as values: their parameters and their stored encoding.

Shared vocabulary of the pipeline (which computes them), the store (which keeps them) and
the settings (which choose the threshold); the computation lives in ``pipeline.neardup``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Fixed seed: signatures are stored, so they must be identical across processes and releases.
# Changing it, the tokeniser, the hashes below or rensa's RMinHash algorithm (rensa pinned at
# 0.5.0, ALGORITHM_VERSION 2) invalidates stored signatures and band keys (a test pins known
# values); bump _ENCODING_VERSION when they change.
MINHASH_SEED = 20240611
_ENCODING_VERSION = 2  # 1: RMinHash over joined shingle strings; 2: over shingle hashes
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
# - threshold 0.5 on the overlap coefficient: negatives peak at 0.37-0.45 depending on the
#   hash functions (same-host pairs sharing boilerplate; 99.99% of them stay under 0.26),
#   while 99% of true pairs score above 0.57.
DEFAULT_PARAMS = NearParams(shingle=4, num_perm=60, bands=20, threshold=0.5)


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
