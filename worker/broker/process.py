"""Per-process state of a worker and the Celery signals that build and tear it down.

The main process loads models before the pool forks (shared copy-on-write), then runs the
heartbeat and the ledger sweep; each pool process builds its own clients after the fork.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import signal
from types import FrameType
from typing import Any

from celery import current_app
from celery.exceptions import TimeLimitExceeded
from celery.signals import (
    task_failure,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
    worker_shutting_down,
)
from celery.worker import state as worker_state

from worker.broker.connect import broker_redis
from worker.broker.delivery import (
    Deliveries,
    Heartbeat,
    batch_id,
    held_tags,
    item_keys_of,
    tolerate_full_redis,
)
from worker.broker.send import send_with
from worker.broker.stuck import start_watch
from worker.broker.sweep import Sweeper
from worker.core.errors import ConfigError, OutOfTime
from worker.core.settings import get_settings
from worker.ingest.encoder import load_encoder
from worker.ingest.nlp import check_installed, models_for
from worker.ingest.runtime import Runtime
from worker.pipeline import language, wordhash

log = logging.getLogger("worker.broker.process")
_runtime: Runtime | None = None
_deliveries: Deliveries | None = None
_threads: list[Heartbeat | Sweeper] = []
_pool: Any = None  # the consumer's task pool, for the warm-shutdown watch


def runtime() -> Runtime:
    """This process's clients, built on first use (after the fork)."""
    global _runtime
    if _runtime is None:
        settings = get_settings()
        _runtime = Runtime(settings, send=send_with(current_app, settings.broker_full_wait))
    return _runtime


def deliveries() -> Deliveries:
    global _deliveries
    if _deliveries is None:
        settings = get_settings()
        url = settings.broker_url.get_secret_value()
        _deliveries = Deliveries(broker_redis(url, settings.broker_master_name, socket_timeout=10))
    return _deliveries


def _raise_out_of_time(signum: int, frame: FrameType | None) -> None:
    raise OutOfTime("the batch's soft time limit is up")


def arm_soft_time_limit() -> None:
    """Make Celery's soft time limit raise ``OutOfTime`` (a BaseException) in this task.

    Celery raises ``SoftTimeLimitExceeded``, an ``Exception``, which the pipeline's guards
    against bugs in one item would take for that item's failure; ``OutOfTime`` passes
    through them to the task, which splits the batch. A thread pool has no signals: no-op.
    """
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGUSR1, _raise_out_of_time)


@worker_init.connect
def _preload_models(**_: Any) -> None:
    """Build read-only tables and models in the parent, before the pool forks.

    They are then shared copy-on-write by every pool process, and a replacement process
    (after a crash or max-tasks-per-child) starts warm instead of spending seconds on its
    first batch. Connections, unlike models, are built after the fork.
    """
    tolerate_full_redis()
    language.warm_up()
    wordhash.warm_up()  # the character-class table
    settings = get_settings()
    if settings.enrich:
        _require_models(settings.spacy_models)
        models_for(settings.spacy_models, settings.spacy_models)  # seconds each, once
        load_encoder()  # the story encoder: two seconds, once
    # Keep the collector's bookkeeping off these objects: touching them would copy the
    # shared pages into every child.
    gc.freeze()


def _require_models(packages: dict[str, str]) -> None:
    """Stop the worker with one clear line when a configured pipeline is not installed.

    SystemExit, not the ConfigError: Celery logs an Exception from a start-up signal as a
    traceback and starts anyway, and every article in that language would go unenriched.
    """
    try:
        check_installed(packages)
    except ConfigError as exc:
        raise SystemExit(f"error ({exc.reason}): {exc}") from None


@worker_ready.connect
def _start_threads(sender: Any = None, **_: Any) -> None:
    """Heartbeat and sweep, in the main process (it sees every message this node holds)."""
    global _pool
    _pool = getattr(sender, "pool", None)
    settings = get_settings()
    app = getattr(sender, "app", None) or current_app
    url = settings.broker_url.get_secret_value()
    client = broker_redis(url, settings.broker_master_name, socket_timeout=10)
    heartbeat = Heartbeat(client, held_tags, settings.visibility_timeout / 3)
    sweeper = Sweeper(
        settings, lambda: Runtime(settings, send=send_with(app, settings.broker_full_wait))
    )
    for thread in (heartbeat, sweeper):
        thread.start()
        _threads.append(thread)


@worker_shutting_down.connect
def _watch_warm_shutdown(how: str = "", **_: Any) -> None:
    """A warm shutdown ends once the batches in hand are done, even if the pool hangs."""
    if how == "Warm" and _pool_pids():
        start_watch(_pool_pids, lambda: bool(worker_state.active_requests))


def _pool_pids() -> list[int]:
    """The prefork pool's processes (none for a thread pool)."""
    info = getattr(_pool, "info", None)
    return list(info.get("processes", [])) if isinstance(info, dict) else []


@worker_shutdown.connect
def _stop_threads(**_: Any) -> None:
    for thread in _threads:
        thread.stopped.set()


@task_failure.connect
def _record_time_limit(exception: BaseException | None = None, args: Any = None, **_: Any) -> None:
    """A hard time limit is seen in the main process: remember it for the next delivery."""
    if isinstance(exception, TimeLimitExceeded) and args:
        keys = item_keys_of(args[0])
        if keys:
            deliveries().died(batch_id(keys), "time_limit")


@worker_process_init.connect
def _fresh_runtime(**_: Any) -> None:
    global _runtime, _deliveries
    _runtime, _deliveries = None, None  # never inherit connections across the fork
    # SIGTERM is the main process's to act on: it stops the pool once the batches in hand
    # are done. A supervisor that signals the whole process group (systemd's default
    # KillMode, ``kill -- -PGID``) reaches the pool processes too: with billiard's handler
    # each died in its batch, and with a handler that only noted the signal the main
    # process's warm shutdown still hung now and then on a job that never ran. An ignored
    # signal interrupts nothing, and billiard leaves an ignored signal alone. Cold shutdown
    # still ends them: Celery sets the pool's parent-death signal to SIGKILL.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@worker_process_shutdown.connect
def _close_runtime(**_: Any) -> None:
    if _runtime is not None:
        _runtime.close()
