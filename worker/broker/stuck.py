"""A warm shutdown that cannot hang once the batches in hand are done.

Celery's prefork pool can wait forever at a warm shutdown: a job taken from the broker at
the moment of the signal leaves a pool process blocked reading its pipe, and the main
process joins it without end. A supervisor then has to kill the worker. This watch ends
only pool processes that hold no batch, after they have held none for a grace period:
nothing in hand is cut short, and the job that never ran was never acknowledged, so the
broker delivers it again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable

log = logging.getLogger("worker.broker.stuck")

# Seconds the pool may sit idle in a warm shutdown before its processes are ended. A pool
# that is stopping normally exits well within it once its last batch is done.
IDLE_GRACE_S = 10.0


def watch_warm_shutdown(
    pool_pids: Callable[[], Iterable[int]],
    busy: Callable[[], bool],
    grace: float = IDLE_GRACE_S,
    kill: Callable[[int, int], None] = os.kill,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[int]:
    """Wait until the pool has held no batch for ``grace`` seconds, then kill its
    processes; return their pids. Never returns while the process is stopping normally:
    run it in a daemon thread, which dies with the process."""
    idle_since: float | None = None
    while True:
        if busy():
            idle_since = None
        elif idle_since is None:
            idle_since = clock()
        elif clock() - idle_since >= grace:
            return end_pool(list(pool_pids()), grace, kill)
        sleep(0.5)


def end_pool(pids: list[int], grace: float, kill: Callable[[int, int], None]) -> list[int]:
    log.warning(
        "warm shutdown: the pool has held no batch for %.0f s but has not stopped; "
        "ending pool processes %s (an unacknowledged job goes back to the queue)",
        grace, pids,
    )  # fmt: skip
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # it exited on its own meanwhile
            kill(pid, signal.SIGKILL)
    return pids


def start_watch(pool_pids: Callable[[], Iterable[int]], busy: Callable[[], bool]) -> None:
    threading.Thread(
        target=watch_warm_shutdown, args=(pool_pids, busy), name="warm-shutdown-watch",
        daemon=True,
    ).start()  # fmt: skip
