"""Thin Celery tasks: decode the message, call the service, commit, report."""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from celery import Task
from celery.signals import worker_init, worker_process_init, worker_process_shutdown
from pydantic import ValidationError

from worker.app import (
    FETCH_QUEUE,
    FETCH_TASK,
    INGEST_QUEUE,
    POLL_FEED_TASK,
    POLL_FEEDS_TASK,
    PROCESS_TASK,
    app,
)
from worker.errors import TransientError
from worker.logs import log_batch, outcome_counts
from worker.metrics import record_batch, record_failure, start_endpoint
from worker.models import Outcome, RawItem
from worker.runtime import Runtime
from worker.service import fetch_batch, isolate, process_batch
from worker.settings import get_settings

log = logging.getLogger("worker.tasks")
_runtime: Runtime | None = None


def runtime() -> Runtime:
    """This process's clients, built on first use (after the fork)."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(get_settings())
    return _runtime


@worker_init.connect
def _preload_models(**_: Any) -> None:
    """Build read-only tables and models in the parent, before the pool forks.

    They are then shared copy-on-write by every pool process, and a replacement process
    (after a crash or max-tasks-per-child) starts warm instead of spending seconds on its
    first batch. Connections, unlike models, are built after the fork.
    """
    import gc

    from worker.pipeline import language, neardup

    language.warm_up()
    neardup.warm_up()  # the character-class table
    if get_settings().enrich:
        from worker.nlp import installed_languages, models_for

        models_for(installed_languages())  # spaCy pipelines too: seconds each, once
    # Keep the collector's bookkeeping off these objects: touching them would copy the
    # shared pages into every child.
    gc.freeze()


@worker_init.connect
def _metrics_endpoint(sender: Any = None, **_: Any) -> None:
    """One /metrics per worker node, served by the main process (see worker/metrics.py)."""
    settings = get_settings()
    if settings.metrics_port:
        node = str(getattr(sender, "hostname", None) or "worker")
        broker = settings.broker_url.get_secret_value()
        start_endpoint(settings.metrics_port, broker, node, [INGEST_QUEUE, FETCH_QUEUE])


@worker_process_init.connect
def _fresh_runtime(**_: Any) -> None:
    global _runtime
    _runtime = None  # never inherit connections from the parent across fork


@worker_process_shutdown.connect
def _close_runtime(**_: Any) -> None:
    if _runtime is not None:
        _runtime.close()


@app.task(name=PROCESS_TASK, bind=True)
def process_batch_task(self: Task, items: list[dict[str, Any]]) -> dict[str, int]:
    started = time.perf_counter()
    batch = decode_items(items)
    timings = {"decode": time.perf_counter() - started}
    now = datetime.now(UTC)
    try:
        outcomes = process_batch(batch, runtime(), now, timings)
    except TransientError as exc:
        record_failure("transient")
        outcomes = _retry_or_reject(self, batch, exc, now)
    timings["total"] = time.perf_counter() - started
    return _report(self, outcomes, timings)


@app.task(name=FETCH_TASK, bind=True)
def fetch_batch_task(self: Task, items: list[dict[str, Any]]) -> dict[str, int]:
    """Fetch URLs (an I/O pool), then hand the pages on to the ingest queue."""
    now = datetime.now(UTC)
    ready = fetch_batch(decode_items(items), runtime(), now)
    if ready:
        process_batch_task.apply_async(args=[[i.model_dump(mode="json") for i in ready]])
    return {"fetched": len(ready), "items": len(items)}


def decode_items(items: object) -> list[RawItem]:
    """Validate the JSON message; a malformed message is refused, not half-processed."""
    if not isinstance(items, list):
        raise TypeError("a batch message must be a JSON array of items")
    try:
        return [RawItem.model_validate(item) for item in items]
    except ValidationError as exc:
        raise TypeError(f"malformed item in batch: {exc.error_count()} errors") from exc


def _retry_or_reject(
    task: Task, batch: list[RawItem], exc: TransientError, now: datetime
) -> list[Outcome]:
    settings = get_settings()
    if task.request.retries < settings.task_max_retries:
        # max_retries explicitly: Celery's own default (3) would otherwise cut our bound short
        raise task.retry(
            exc=exc,
            countdown=backoff(task.request.retries, settings),
            max_retries=settings.task_max_retries,
        )
    log.error("batch %s gave up after %d retries: %s", task.request.id, task.request.retries, exc)
    return isolate(batch, runtime(), now, attempts=task.request.retries + 1)


def backoff(retries: int, settings: Any) -> float:
    """Exponential with full jitter, capped: many workers must not retry in lockstep."""
    ceiling = min(float(settings.retry_backoff_max), 2.0**retries)
    return random.uniform(ceiling / 2, ceiling)


def _report(task: Task, outcomes: list[Outcome], timings: dict[str, float]) -> dict[str, int]:
    record_batch(outcomes, timings)
    log_batch(task.request.id, outcomes, timings, retries=task.request.retries)
    return outcome_counts(outcomes)


@app.task(name=POLL_FEEDS_TASK)
def poll_feeds_task() -> dict[str, int]:
    """Beat's tick: one poll task per feed that is due (claimed, so polled once)."""
    from worker.feedpoll import claim_due_feeds, configured_feeds, poll_lease
    from worker.store.sources import SourceStore

    rt, now = runtime(), datetime.now(UTC)
    store = SourceStore(rt.store)
    feeds = configured_feeds(Path(rt.settings.sources_file), store, now)
    lease, slack = poll_lease(rt.fetch_policy), rt.settings.poll_tick / 2
    due = claim_due_feeds(feeds, store, now, lease, slack)
    for feed in due:
        poll_feed_task.apply_async(args=[feed.name])
    return {"feeds": len(feeds), "due": len(due)}


@app.task(name=POLL_FEED_TASK)
def poll_feed_task(name: str) -> dict[str, Any]:
    """Poll one feed: conditional GET, enqueue its new entries, record its state."""
    from worker.feedpoll import configured_feeds, context_for, poll_feed
    from worker.store.sources import SourceStore

    rt, now = runtime(), datetime.now(UTC)
    feeds = configured_feeds(Path(rt.settings.sources_file), SourceStore(rt.store), now)
    feed = next((f for f in feeds if f.name == name), None)
    if feed is None:  # removed from the sources file since the tick
        return {"feed": name, "status": "gone"}
    record = poll_feed(feed, context_for(rt, app), now)
    return {"feed": name, "status": record.status, "new": record.new_items}
