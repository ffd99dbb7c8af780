"""The work of one batch, shared by the Celery tasks and the in-process runner."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from worker.core.errors import IngestError, StoreRefused, TransientError
from worker.core.keys import child_key
from worker.core.models import Article, Kind, Outcome, Prepared, RawItem
from worker.core.retry import backoff
from worker.ingest.http_enricher import HttpEnricher
from worker.ingest.runtime import Runtime
from worker.pipeline.prepare import (
    enrich_prepared,
    prepare_batch,
)
from worker.readers.fetch import fetch_items

T = TypeVar("T")
log = logging.getLogger("worker.ingest.batch")


def process_batch(
    items: Sequence[RawItem],
    runtime: Runtime,
    now: datetime,
    timings: dict[str, float] | None = None,
    wait: StoreWait | None = None,
) -> list[Outcome]:
    """Pure stages over the batch, then one store transaction; one outcome per item.

    ``timings``, when given, receives the seconds spent in each stage (for the metrics);
    the clock is read here, around the stages, because the pipeline never reads it.
    ``wait`` rides out a store outage at the commit (see ``StoreWait``); without it a
    ``TransientError`` goes to the caller at once.
    """
    spent = timings if timings is not None else {}
    deps = runtime.deps()
    with _timed(spent, "prepare"):
        prepared = prepare_batch(items, deps, now)
    if deps.enrich:
        with _timed(spent, "precheck"):
            copies = _known_copies(runtime, prepared, now)
        with _timed(spent, "enrich"):
            enrich_prepared(prepared, deps, skip=copies)
    if runtime.http_enricher is not None:
        with _timed(spent, "http_enrich"):
            call_http_enricher(runtime.http_enricher, prepared)
    with _timed(spent, "commit"):
        return (wait or StoreWait.never())(lambda: commit_each_refusal(runtime, prepared))


def _known_copies(runtime: Runtime, prepared: list[Prepared], now: datetime) -> set[str]:
    """Copies of stored articles skip enrichment; a store hiccup only costs the saving."""
    try:
        return runtime.store.known_duplicates(prepared, now)
    except TransientError:
        return set()


def commit_each_refusal(runtime: Runtime, prepared: Sequence[Prepared]) -> list[Outcome]:
    """One transaction for the batch; if the database refuses a row, find it.

    A refused row (a constraint, a value the column cannot hold) is a data error, not an
    outage: that item is rejected with the database's message and its siblings are stored.
    """
    try:
        # finished_at is when the outcome is written, not when the batch started
        return runtime.store.commit(prepared, datetime.now(UTC))
    except StoreRefused:
        pass
    return [outcome for p in prepared for outcome in _commit_alone(runtime, p)]


def _commit_alone(runtime: Runtime, p: Prepared) -> list[Outcome]:
    try:
        return runtime.store.commit([p], datetime.now(UTC))
    except StoreRefused as exc:
        # Kept in quarantine with its payload: the cause may be a policy that changes later.
        refused = Prepared(p.item).quarantine(exc, reason=exc.reason)
        return runtime.store.commit([refused], datetime.now(UTC))


@dataclass
class StoreWait:
    """Retry a store call through an outage until ``deadline`` (monotonic seconds).

    The wait between tries doubles up to ``cap`` seconds, with jitter, and is never cut
    short by a retry count: a worker rides out an outage of any length, handing its message
    back to the queue (the caller's job) only when its own time is up.
    """

    deadline: float
    cap: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def never(cls) -> StoreWait:
        return cls(deadline=-math.inf)

    def __call__(self, call: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return call()
            except TransientError:
                delay = backoff(attempt, cap=self.cap)
                if self.clock() + delay > self.deadline:
                    raise
                log.warning("store unavailable; trying again in %.1fs", delay)
                self.sleep(delay)
                attempt += 1


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
