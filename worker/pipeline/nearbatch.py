"""Near-duplicate verification of many pairs at once, on stored signature bytes.

Pure, like ``neardup``, whose ``similarity`` it computes for whole arrays: a batch's LSH
candidates are mostly turned down, and scoring them as arrays keeps that cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from worker.core import near
from worker.core.near import NearSig
from worker.pipeline.neardup import MIN_SIZE_RATIO


def signature_matrix(
    blobs: Sequence[bytes], num_perm: int
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Stored signatures as arrays: (positions of the readable ones, their values, sizes).

    One array for a whole batch's candidates: decoding them one by one into tuples cost
    more than the store query that fetched them.
    """
    width = near.HEADER_SIZE + 4 * num_perm
    if blobs and all(len(blob) == width for blob in blobs):
        return _uniform_matrix(blobs, num_perm)
    kept: list[int] = []
    sizes: list[int] = []
    parts: list[bytes] = []
    for i, blob in enumerate(blobs):
        header = near.current_header(blob)
        if header is not None and header[0] == num_perm:
            kept.append(i)
            sizes.append(header[1])
            parts.append(blob[near.HEADER_SIZE :])
    values = np.frombuffer(b"".join(parts), dtype="<u4").reshape(len(kept), num_perm)
    return kept, values, np.array(sizes, dtype=np.float64)


def _uniform_matrix(
    blobs: Sequence[bytes], num_perm: int
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """``signature_matrix`` of blobs all as long as a current one: headers read as arrays
    (the usual case; an older encoding or a missing signature takes the loop)."""
    layout = np.dtype(
        [("version", "u1"), ("n", "<u2"), ("size", "<u4"), ("values", "<u4", num_perm)]
    )
    rows = np.frombuffer(b"".join(blobs), dtype=layout)
    ok = (rows["version"] == near.ENCODING_VERSION) & (rows["n"] == num_perm)
    kept = np.flatnonzero(ok)
    return kept.tolist(), rows["values"][kept], rows["size"][kept].astype(np.float64)


def similarities(sig: NearSig, values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``similarity(sig, b)`` for every row ``b`` of ``values`` (with ``sizes``), at once."""
    mine = np.asarray(sig.values, dtype=np.uint32)[np.newaxis, :]
    return pair_similarities(mine, np.full(len(sizes), float(sig.size)), values, sizes)


def pair_similarities(
    a: np.ndarray, a_sizes: np.ndarray, b: np.ndarray, b_sizes: np.ndarray
) -> np.ndarray:
    """``similarity`` of row i of ``a`` with row i of ``b`` (``a`` may be one row for all).

    The same arithmetic as ``similarity``, in float64, so the two agree (a test holds them).
    """
    if b.shape[0] == 0:
        return np.zeros(0)
    j = np.count_nonzero(a == b, axis=1) / b.shape[1]
    small = np.minimum(a_sizes, b_sizes)
    large = np.maximum(a_sizes, b_sizes)
    with np.errstate(divide="ignore", invalid="ignore"):
        overlap = np.minimum(1.0, j * (small + large) / ((1.0 + j) * small))
        scaled = overlap * np.minimum(1.0, small / large / MIN_SIZE_RATIO)
    return np.where((j == 0.0) | (small == 0), 0.0, scaled)
