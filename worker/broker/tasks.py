"""Thin Celery tasks: decode the message, call the use case, report.

What a task adds to the use case is message-level: counting deliveries that killed their
process, splitting such batches, handing a message back while the store is down, and
splitting a batch whose time is up (see ``worker.broker.delivery``).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.exceptions import Reject
from celery.signals import worker_init, worker_process_init
from pydantic import ValidationError

from worker.broker.connect import broker_redis
from worker.broker.delivery import QUARANTINE_AFTER, SPLIT_AFTER, batch_id
from worker.broker.process import arm_soft_time_limit, deliveries, runtime
from worker.broker.reenrich import reenrich_batch_task
from worker.core.errors import OutOfTime, Reason, TransientError
from worker.core.messages import (
    FETCH_TASK,
    POLL_FEED_TASK,
    POLL_FEEDS_TASK,
    PROCESS_TASK,
    QUEUES,
    REENRICH_TASK,
)
from worker.core.models import Kind, Outcome, Prepared, RawItem
from worker.core.settings import get_settings
from worker.ingest.batch import StoreWait, fetch_batch, process_batch
from worker.ingest.feed_list import configured_feeds
from worker.ingest.feeds import claim_due_feeds, context_for, poll_feed, poll_lease
from worker.observe.logs import log_batch, outcome_counts
from worker.observe.metrics import metrics, record_batch, record_failure, start_endpoint
from worker.store.feeds import SourceStore

log = logging.getLogger("worker.broker.tasks")
# Seconds kept between giving up on the store and the soft time limit, to hand back cleanly.
HAND_BACK_MARGIN = 30


@worker_init.connect
def _metrics_endpoint(sender: Any = None, **_: Any) -> None:
    """One /metrics per worker node, served by the main process (see worker/metrics.py)."""
    settings = get_settings()
    if settings.metrics_port:
        node = str(getattr(sender, "hostname", None) or "worker")
        url = settings.broker_url.get_secret_value()
        broker = broker_redis(url, settings.broker_master_name, socket_timeout=2)
        start_endpoint(
            settings.metrics_port, broker, node, list(QUEUES), host=settings.metrics_host
        )


@worker_process_init.connect
def _metrics_from_the_start(**_: Any) -> None:
    """Each pool process's series exist from its start (at 0), not from its first batch."""
    metrics()


def process_batch_task(self: Task, items: list[Any]) -> dict[str, int]:
    started = time.perf_counter()
    arm_soft_time_limit()
    batch = decode_items(items)
    bid = batch_id([item.item_key for item in batch])
    deaths, how = deliveries().start(bid)
    timings: dict[str, float] = {"decode": time.perf_counter() - started}
    try:
        outcomes = _handle(self, batch, deaths, how, started, timings)
    finally:
        deliveries().finish(bid)  # only a dead process leaves its count behind
    timings["total"] = time.perf_counter() - started
    return _report(self, outcomes, timings)


def _handle(
    task: Task,
    batch: list[RawItem],
    deaths: int,
    how: str | None,
    started: float,
    timings: dict[str, float],
) -> list[Outcome]:
    now = datetime.now(UTC)
    if len(batch) > 1 and deaths >= SPLIT_AFTER:
        log.error("batch of %d killed its process %d times: split", len(batch), deaths)
        return _resend(task, [[item] for item in batch])
    if len(batch) == 1 and deaths >= QUARANTINE_AFTER:
        reason = Reason.TIME_LIMIT if how == "time_limit" else Reason.CRASHED_WORKER
        return _quarantine(batch[0], reason, f"killed its worker process {deaths} times")
    try:
        return _process(batch, now, started, timings)
    except OutOfTime:
        if len(batch) == 1:
            return _quarantine(batch[0], Reason.TIME_LIMIT, "over the soft time limit alone")
        half = len(batch) // 2
        log.warning("batch of %d out of time: sent again as two halves", len(batch))
        return _resend(task, [batch[:half], batch[half:]])


def _process(
    batch: list[RawItem], now: datetime, started: float, timings: dict[str, float]
) -> list[Outcome]:
    """The use case, riding out a store outage until the task's own time is nearly up."""
    settings = get_settings()
    budget = settings.task_time_limit - 15 - HAND_BACK_MARGIN
    wait = StoreWait(deadline=time.monotonic() + budget - (time.perf_counter() - started),
                     cap=settings.retry_backoff_max)  # fmt: skip
    try:
        return process_batch(batch, runtime(), now, timings, wait)
    except TransientError as exc:
        # Not dropped, not retried by count: the message goes back to the queue as it is.
        record_failure("handed_back")
        log.warning("store still unavailable (%s): batch handed back to the queue", exc)
        raise Reject(str(exc), requeue=True) from exc


def _resend(task: Task, parts: list[list[RawItem]]) -> list[Outcome]:
    for part in parts:
        task.app.send_task(PROCESS_TASK, args=[[item.model_dump(mode="json") for item in part]])
    return []


def _quarantine(item: RawItem, reason: str, message: str) -> list[Outcome]:
    log.error("item %s quarantined (%s): %s", item.item_key, reason, message)
    failed = Prepared(item).quarantine(RuntimeError(message), reason=reason)
    wait = StoreWait(deadline=time.monotonic() + 60, cap=get_settings().retry_backoff_max)
    return wait(lambda: runtime().store.commit([failed], datetime.now(UTC)))


def fetch_batch_task(self: Task, items: list[Any]) -> dict[str, int]:
    """Fetch URLs (an I/O pool), then hand the pages on to the ingest queue."""
    now = datetime.now(UTC)
    ready = fetch_batch(decode_items(items), runtime(), now)
    if ready:
        self.app.send_task(PROCESS_TASK, args=[[i.model_dump(mode="json") for i in ready]])
    return {"fetched": len(ready), "items": len(items)}


def decode_items(items: object) -> list[RawItem]:
    """Each item validated on its own: a malformed one is rejected, its siblings go on.

    An item without a usable key cannot be given an outcome (the ledger is keyed by it):
    it is logged and left out; the producer's ledger row, if any, is swept later.
    """
    if not isinstance(items, list):
        log.error("refused a batch message that is not a JSON array")
        return []
    decoded = [_decode(item) for item in items]
    return [item for item in decoded if item is not None]


def _decode(item: object) -> RawItem | None:
    try:
        return RawItem.model_validate(item)
    except ValidationError as exc:
        key = item.get("item_key") if isinstance(item, dict) else None
        if not isinstance(key, str) or not key or len(key) > 120:
            log.error("refused an item without a usable key: %s", exc.errors()[:1])
            return None
        message = f"malformed item in the message: {exc.error_count()} error(s)"
        payload = {"reason": Reason.BAD_FIELD, "message": message}
        return RawItem(item_key=key, source="message", kind=Kind.INVALID, payload=payload)


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
    app.task(name=REENRICH_TASK, bind=True)(reenrich_batch_task)
