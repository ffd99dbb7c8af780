"""worker/core/batches.py: batches by count, and by count and weight."""

from __future__ import annotations

from worker.core.batches import batched, sized


def test_batches_by_count() -> None:
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []


def test_batches_by_weight_and_count_a_heavy_item_alone() -> None:
    texts = ["aa", "bb", "cccccc", "d", "e", "f"]
    assert list(sized(texts, 4, len)) == [["aa", "bb"], ["cccccc"], ["d", "e", "f"]]
    assert list(sized(texts, 4, len, count=2)) == [["aa", "bb"], ["cccccc"], ["d", "e"], ["f"]]
    assert list(sized([], 4, len)) == []
