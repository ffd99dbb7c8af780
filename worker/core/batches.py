"""Cutting a stream into batches: by count, or by count and weight (the bytes of JSON)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def sized(
    items: Iterable[T], max_weight: int, weigh: Callable[[T], int], count: int | None = None
) -> Iterator[list[T]]:
    """Consecutive batches of at most ``count`` items (None: any number) weighing at most
    ``max_weight`` together, unless one item alone weighs more: it then goes alone."""
    batch: list[T] = []
    weight = 0
    for item in items:
        heft = weigh(item)
        if batch and (len(batch) == count or weight + heft > max_weight):
            yield batch
            batch, weight = [], 0
        batch.append(item)
        weight += heft
    if batch:
        yield batch
