"""``ingest run``: the same pipeline in-process, on the embedded store, no broker needed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from worker.models import Kind, RawItem
from worker.producer import batched, new_run_id, read_items
from worker.runtime import Runtime
from worker.service import fetch_batch, process_batch
from worker.settings import Settings


def run_inprocess(
    targets: Sequence[str],
    settings: Settings,
    start: Callable[[int], None] = lambda total: None,
    tick: Callable[[int], None] = lambda n: None,
) -> dict[str, Any]:
    """Ingest ``targets`` batch by batch; returns the run's outcome counts from the store."""
    runtime = Runtime(settings)
    run_id = new_run_id()
    try:
        items = list(read_items(targets, settings, run_id))
        start(len(items))
        for batch in batched(items, settings.batch_size):
            _run_batch(batch, runtime)
            tick(len(batch))
        return {"run_id": run_id, **runtime.store.stats(run_id)}
    finally:
        runtime.close()


def process_items(items: Sequence[RawItem], runtime: Runtime, batch_size: int) -> None:
    """Already registered items (a replay), processed here batch by batch."""
    for batch in batched(items, batch_size):
        _run_batch(batch, runtime)


def _run_batch(batch: list[RawItem], runtime: Runtime) -> None:
    now = datetime.now(UTC)
    runtime.store.register(batch, now)
    urls = [i for i in batch if i.kind is Kind.URL]
    ready = fetch_batch(urls, runtime, now) if urls else []
    process_batch([i for i in batch if i.kind is not Kind.URL] + ready, runtime, now)
