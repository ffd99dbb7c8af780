"""The work of one batch, shared by the Celery tasks and the in-process runner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from worker.errors import IngestError
from worker.models import Kind, Outcome, RawItem
from worker.pipeline.batch import Prepared, rejected, run_batch
from worker.runtime import Runtime
from worker.sources.fetch import fetch_items
from worker.sources.found import Found


def process_batch(items: Sequence[RawItem], runtime: Runtime, now: datetime) -> list[Outcome]:
    """Pure stages over the batch, then one store transaction; one outcome per item."""
    deps = runtime.deps()
    prepared = run_batch(items, deps, now)
    return runtime.store.commit(prepared, now)


def fetch_batch(items: Sequence[RawItem], runtime: Runtime, now: datetime) -> list[RawItem]:
    """Fetch URL items; returns items ready to process, failures are recorded as rejected."""
    ready: list[RawItem] = []
    failures: list[tuple[RawItem, Outcome]] = []
    for item in items:
        try:
            ready.extend(_fetch_one(item, runtime, now))
        except IngestError as exc:  # transient ones were already retried by the fetcher
            failures.append((item, rejected(item.item_key, exc.reason, exc.message)))
    if failures:
        runtime.store.record(failures, now)
    return ready


def _fetch_one(item: RawItem, runtime: Runtime, now: datetime) -> list[RawItem]:
    """A page keeps the URL item's key; a feed's entries replace it in the ledger."""
    url = str(item.payload.get("url", ""))
    found = list(fetch_items(runtime.http, url, runtime.fetch_policy))
    if len(found) == 1 and found[0].kind is Kind.HTML:
        return [_as_item(item.item_key, found[0], now)]
    children = [_as_item(f"{item.item_key}.{n}", f, now) for n, f in enumerate(found)]
    runtime.store.expand(item, children, now)
    return children


def _as_item(key: str, found: Found, now: datetime) -> RawItem:
    return RawItem(
        item_key=key, source=found.source, kind=found.kind, payload=found.payload, received_at=now
    )


def reject_all(items: Sequence[RawItem], reason: str, message: str) -> list[Prepared]:
    """Give up on a whole batch (retries exhausted) without losing any of its items."""
    return [Prepared(item, rejection=rejected(item.item_key, reason, message)) for item in items]
