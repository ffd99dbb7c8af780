"""``ingest run``: the same pipeline in-process, on the embedded store, no broker needed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from worker.core.batches import batched
from worker.core.keys import new_run_id
from worker.core.models import Kind, RawItem
from worker.ingest.batch import fetch_batch, process_batch
from worker.ingest.publish import estimate_items, read_items
from worker.ingest.runtime import Runtime


def run_inprocess(
    targets: Sequence[str],
    runtime: Runtime,
    start: Callable[[int | None], None] = lambda total: None,
    tick: Callable[[int], None] = lambda n: None,
) -> dict[str, Any]:
    """Ingest ``targets`` batch by batch; returns the run's outcome counts from the store.

    Read lazily, one batch in memory at a time: memory does not grow with the input. The
    progress total is an estimate (lines, feed entries, files; None for stdin)."""
    run_id = new_run_id()
    start(estimate_items(targets))
    for batch in batched(
        read_items(targets, runtime.settings, run_id), runtime.settings.batch_size
    ):
        run_batch_here(batch, runtime)
        tick(len(batch))
    return {"run_id": run_id, **runtime.store.stats(run_id)}


def process_items(items: Iterable[RawItem], runtime: Runtime) -> int:
    """Already registered items (a replay), processed here batch by batch; returns the count."""
    count = 0
    for batch in batched(items, runtime.settings.batch_size):
        run_batch_here(batch, runtime)
        count += len(batch)
    return count


def run_batch_here(batch: list[RawItem], runtime: Runtime) -> None:
    """What the producer and the workers do for one batch, in this process."""
    now = datetime.now(UTC)
    # As the producer registers them: its JSON text goes straight to the ledger's payload.
    runtime.store.register(batch, now, [item.model_dump_json() for item in batch])
    urls = [i for i in batch if i.kind is Kind.URL]
    ready = fetch_batch(urls, runtime, now) if urls else []
    process_batch([i for i in batch if i.kind is not Kind.URL] + ready, runtime, now)
