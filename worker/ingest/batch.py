"""The work of one batch, shared by the Celery tasks and the in-process runner."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from worker.core.errors import IngestError, TransientError
from worker.core.keys import child_key
from worker.core.models import Article, Kind, Outcome, Prepared, RawItem
from worker.ingest.http_enricher import HttpEnricher
from worker.ingest.runtime import Runtime
from worker.pipeline.prepare import (
    enrich_prepared,
    prepare_batch,
)
from worker.readers.fetch import fetch_items


def process_batch(
    items: Sequence[RawItem],
    runtime: Runtime,
    now: datetime,
    timings: dict[str, float] | None = None,
) -> list[Outcome]:
    """Pure stages over the batch, then one store transaction; one outcome per item.

    ``timings``, when given, receives the seconds spent in each stage (for the metrics);
    the clock is read here, around the stages, because the pipeline never reads it.
    """
    spent = timings if timings is not None else {}
    deps = runtime.deps()
    with _timed(spent, "prepare"):
        prepared = prepare_batch(items, deps, now)
    if deps.enrich:
        with _timed(spent, "precheck"):
            copies = runtime.store.known_duplicates(prepared, now)
        with _timed(spent, "enrich"):
            enrich_prepared(prepared, deps, skip=copies)
    if runtime.http_enricher is not None:
        with _timed(spent, "http_enrich"):
            call_http_enricher(runtime.http_enricher, prepared)
    with _timed(spent, "commit"):
        # finished_at is when the outcome is written, not when the batch started
        return runtime.store.commit(prepared, datetime.now(UTC))


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


def fetch_batch(items: Sequence[RawItem], runtime: Runtime, now: datetime) -> list[RawItem]:
    """Fetch URL items; returns items ready to process, failures are recorded as rejected."""
    ready: list[RawItem] = []
    failures: list[tuple[RawItem, Outcome]] = []
    for item in items:
        try:
            ready.extend(_fetch_one(item, runtime, now))
        except IngestError as exc:  # transient ones were already retried by the fetcher
            failures.append((item, Outcome.rejected(item.item_key, exc.reason, exc.message)))
    if failures:
        runtime.store.record(failures, now)
    return ready


def _fetch_one(item: RawItem, runtime: Runtime, now: datetime) -> list[RawItem]:
    """A page keeps the URL item's key; a feed's entries replace it in the ledger."""
    url = str(item.payload.get("url", ""))
    found = list(fetch_items(runtime.http, url, runtime.fetch_policy))
    if len(found) == 1 and found[0].kind is Kind.HTML:
        return [RawItem.from_found(found[0], item.item_key, now)]
    children = [
        RawItem.from_found(f, child_key(item.item_key, n), now) for n, f in enumerate(found)
    ]
    runtime.store.expand(item, children, now)
    return children


def call_http_enricher(enricher: HttpEnricher, prepared: Sequence[Prepared]) -> None:
    """The external enricher's answer (or its failure marker) under its own key."""
    ready = [p for p in prepared if p.article is not None]
    payloads = [_enricher_payload(p.article) for p in ready if p.article is not None]
    for p, answer in zip(ready, enricher.enrich(payloads), strict=True):
        assert p.article is not None
        enrichment = {**p.article.enrichment, enricher.key: answer}
        p.article = p.article.model_copy(update={"enrichment": enrichment})


def _enricher_payload(article: Article) -> dict[str, object]:
    fields = {"item_key", "url", "title", "body", "language", "published_at", "source"}
    return article.model_dump(mode="json", include=fields)


def isolate(
    items: Sequence[RawItem], runtime: Runtime, now: datetime, attempts: int
) -> list[Outcome]:
    """A batch ran out of retries: try its items one by one, quarantine those that still fail.

    One poison item must not take its whole batch down with it. If the store itself is
    down this raises again, and the items stay pending for ``ingest reconcile``.
    """
    outcomes: list[Outcome] = []
    for item in items:
        try:
            outcomes.extend(process_batch([item], runtime, now))
        except TransientError as exc:
            failed = Prepared(item).quarantine(exc, attempts)
            outcomes.extend(runtime.store.commit([failed], now))
    return outcomes
