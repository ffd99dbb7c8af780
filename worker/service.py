"""The work of one batch, shared by the Celery tasks and the in-process runner."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from worker.enrichers.http import HttpEnricher
from worker.errors import IngestError, TransientError
from worker.models import Article, Kind, Outcome, RawItem
from worker.pipeline.batch import (
    Prepared,
    enrich_prepared,
    prepare_batch,
    quarantined,
    rejected,
)
from worker.runtime import Runtime
from worker.sources.fetch import fetch_items
from worker.sources.found import Found


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
            failed = quarantined(item, exc)
            failed.attempts = attempts
            outcomes.extend(runtime.store.commit([failed], now))
    return outcomes
