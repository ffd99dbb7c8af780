"""Thin Celery tasks: decode the message, call the service, commit, report."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from typing import Any

from celery import Task
from celery.signals import worker_process_init, worker_process_shutdown
from pydantic import ValidationError

from worker.app import FETCH_TASK, PROCESS_TASK, app
from worker.errors import TransientError
from worker.models import Outcome, RawItem
from worker.runtime import Runtime
from worker.service import fetch_batch, process_batch, reject_all
from worker.settings import get_settings

log = logging.getLogger("worker.tasks")
_runtime: Runtime | None = None


def runtime() -> Runtime:
    """This process's clients, built on first use (after the fork)."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(get_settings())
    return _runtime


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
    batch = decode_items(items)
    now = datetime.now(UTC)
    try:
        outcomes = process_batch(batch, runtime(), now)
    except TransientError as exc:
        outcomes = _retry_or_reject(self, batch, exc, now)
    return _report(self, outcomes)


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
        raise task.retry(exc=exc, countdown=backoff(task.request.retries, settings))
    log.error("batch %s gave up after %d retries: %s", task.request.id, task.request.retries, exc)
    prepared = reject_all(batch, "retries_exhausted", f"{exc.reason}: {exc.message}")
    return runtime().store.commit(prepared, now)


def backoff(retries: int, settings: Any) -> float:
    """Exponential with full jitter, capped: many workers must not retry in lockstep."""
    ceiling = min(float(settings.retry_backoff_max), 2.0**retries)
    return random.uniform(ceiling / 2, ceiling)


def _report(task: Task, outcomes: list[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
    log.info("batch id=%s items=%d %s", task.request.id, len(outcomes), counts)
    return counts
