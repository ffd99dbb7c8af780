"""Thin Celery tasks: decode the message, call the service, commit, report."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from celery import Celery, Task, current_app
from celery.signals import worker_init, worker_process_init, worker_process_shutdown
from pydantic import ValidationError

from worker.broker.send import send_with
from worker.core.errors import TransientError
from worker.core.messages import (
    FETCH_TASK,
    POLL_FEED_TASK,
    POLL_FEEDS_TASK,
    PROCESS_TASK,
    QUEUES,
)
from worker.core.models import Outcome, RawItem
from worker.core.retry import backoff
from worker.core.settings import get_settings
from worker.ingest.batch import fetch_batch, isolate, process_batch
from worker.ingest.feed_list import configured_feeds
from worker.ingest.feeds import (
    claim_due_feeds,
    context_for,
    poll_feed,
    poll_lease,
)
from worker.ingest.nlp import installed_languages, models_for
from worker.ingest.runtime import Runtime
from worker.observe.logs import log_batch, outcome_counts
from worker.observe.metrics import record_batch, record_failure, start_endpoint
from worker.pipeline import language, neardup
from worker.store.feeds import SourceStore

log = logging.getLogger("worker.broker.tasks")
_runtime: Runtime | None = None


def runtime() -> Runtime:
    """This process's clients, built on first use (after the fork)."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(get_settings(), send=send_with(current_app))
    return _runtime


@worker_init.connect
def _preload_models(**_: Any) -> None:
    """Build read-only tables and models in the parent, before the pool forks.

    They are then shared copy-on-write by every pool process, and a replacement process
    (after a crash or max-tasks-per-child) starts warm instead of spending seconds on its
    first batch. Connections, unlike models, are built after the fork.
    """
    import gc

    language.warm_up()
    neardup.warm_up()  # the character-class table
    if get_settings().enrich:
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
        start_endpoint(settings.metrics_port, broker, node, list(QUEUES))


@worker_process_init.connect
def _fresh_runtime(**_: Any) -> None:
    global _runtime
    _runtime = None  # never inherit connections from the parent across fork


@worker_process_shutdown.connect
def _close_runtime(**_: Any) -> None:
    if _runtime is not None:
        _runtime.close()


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


def fetch_batch_task(self: Task, items: list[dict[str, Any]]) -> dict[str, int]:
    """Fetch URLs (an I/O pool), then hand the pages on to the ingest queue."""
    now = datetime.now(UTC)
    ready = fetch_batch(decode_items(items), runtime(), now)
    if ready:
        self.app.send_task(PROCESS_TASK, args=[[i.model_dump(mode="json") for i in ready]])
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
            countdown=backoff(task.request.retries, cap=settings.retry_backoff_max),
            max_retries=settings.task_max_retries,
        )
    log.error("batch %s gave up after %d retries: %s", task.request.id, task.request.retries, exc)
    return isolate(batch, runtime(), now, attempts=task.request.retries + 1)


def _report(task: Task, outcomes: list[Outcome], timings: dict[str, float]) -> dict[str, int]:
    record_batch(outcomes, timings)
    log_batch(task.request.id, outcomes, timings, retries=task.request.retries)
    return outcome_counts(outcomes)


def poll_feeds_task(self: Task) -> dict[str, int]:
    """Beat's tick: one poll task per feed that is due (claimed, so polled once)."""
    rt, now = runtime(), datetime.now(UTC)
    store = SourceStore(rt.store)
    feeds = configured_feeds(Path(rt.settings.sources_file), store, now)
    lease, slack = poll_lease(rt.fetch_policy), rt.settings.poll_tick / 2
    due = claim_due_feeds(feeds, store, now, lease, slack)
    for feed in due:
        self.app.send_task(POLL_FEED_TASK, args=[feed.name])
    return {"feeds": len(feeds), "due": len(due)}


def poll_feed_task(self: Task, name: str) -> dict[str, Any]:
    """Poll one feed: conditional GET, enqueue its new entries, record its state."""
    rt, now = runtime(), datetime.now(UTC)
    feeds = configured_feeds(Path(rt.settings.sources_file), SourceStore(rt.store), now)
    feed = next((f for f in feeds if f.name == name), None)
    if feed is None:  # removed from the sources file since the tick
        return {"feed": name, "status": "gone"}
    record = poll_feed(feed, context_for(rt), now)
    return {"feed": name, "status": record.status, "new": record.new_items}


def register(app: Celery) -> None:
    """Bind the tasks to ``app`` under their stable names."""
    app.task(name=PROCESS_TASK, bind=True)(process_batch_task)
    app.task(name=FETCH_TASK, bind=True)(fetch_batch_task)
    app.task(name=POLL_FEEDS_TASK, bind=True)(poll_feeds_task)
    app.task(name=POLL_FEED_TASK, bind=True)(poll_feed_task)
