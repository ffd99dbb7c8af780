"""Deliveries of batch messages: counted, kept invisible while running, never redelivered forever.

Three mechanisms, all on the broker's Redis (kombu's Redis transport):

- **Delivery count.** A task increments a counter for its batch when it starts and deletes
  it when it ends in Python (done, requeued, anything). Only a delivery whose process died
  (out of memory, segfault, a hard time limit, SIGKILL) leaves its count behind, so the count
  says how many times this batch killed its process. After ``SPLIT_AFTER`` such deaths a
  batch is split into single items; a single item that still kills its process is
  quarantined (``crashed_worker`` or ``time_limit``), and its siblings go on.
- **Heartbeat.** kombu redelivers a message when it has been unacked for the visibility
  timeout. The worker's main process refreshes the timestamp of every message it holds
  (running or reserved) every third of that timeout, so a long batch is never handed to a
  second worker while its worker lives, and the timeout can be short: a whole worker that
  dies (node loss, container OOM) has its messages back in the queue within seconds.
- **A full Redis.** kombu records each delivered message in its unacked hash; at
  ``maxmemory`` that write fails and used to kill the worker. It is logged instead: the
  message is processed all the same (it was already taken from the queue), and should this
  worker die before acking it, the ledger sweep re-sends its items.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import redis

log = logging.getLogger("worker.broker.delivery")

SPLIT_AFTER = 2  # deaths of a multi-item batch before it is split into single items
QUARANTINE_AFTER = 2  # deaths of a single item before it is quarantined
COUNTS_KEY = "ingest:deliveries"
FAILURES_KEY = "ingest:delivery-failures"
UNACKED_INDEX_KEY = "unacked_index"  # kombu's default name for the redelivery index


def batch_id(item_keys: Sequence[str]) -> str:
    """The same items, however delivered (redelivery, sweep), have the same id."""
    digest = hashlib.blake2b(digest_size=12)
    for key in item_keys:
        digest.update(key.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class Deliveries:
    """Counts deaths per batch on Redis; a Redis error never stops a batch from running."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def start(self, bid: str) -> tuple[int, str | None]:
        """Count this delivery; returns (earlier deliveries that died, how the last died)."""
        try:
            pipe = self.client.pipeline()
            pipe.hincrby(COUNTS_KEY, bid, 1)
            pipe.hget(FAILURES_KEY, bid)
            count, failure = pipe.execute()
        except redis.RedisError as exc:
            log.warning("delivery count unavailable (%s): running the batch as is", exc)
            return 0, None
        return int(count) - 1, failure.decode() if failure else None

    def finish(self, bid: str) -> None:
        """This delivery ended in Python: it did not kill its process."""
        try:
            pipe = self.client.pipeline()
            pipe.hdel(COUNTS_KEY, bid)
            pipe.hdel(FAILURES_KEY, bid)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("delivery count not cleared (%s)", exc)

    def died(self, bid: str, how: str) -> None:
        """Record how a delivery died (the main process sees hard time limits)."""
        try:
            self.client.hset(FAILURES_KEY, bid, how)
        except redis.RedisError as exc:
            log.warning("delivery failure not recorded (%s)", exc)


def item_keys_of(bodies: object) -> list[str]:
    """The item keys of a batch message's bodies (whatever is malformed is left out)."""
    if not isinstance(bodies, list):
        return []
    return [str(b["item_key"]) for b in bodies if isinstance(b, dict) and "item_key" in b]


# -- heartbeat ------------------------------------------------------------------------------


def refresh(client: redis.Redis, tags: Iterable[str], now: float) -> int:
    """Mark the messages behind ``tags`` as just delivered (only those still unacked)."""
    mapping = {tag: now for tag in tags}
    if not mapping:
        return 0
    return int(client.zadd(UNACKED_INDEX_KEY, mapping, xx=True, ch=True))  # type: ignore[arg-type]


class Heartbeat(threading.Thread):
    """Refreshes the messages this worker holds, every ``period`` seconds, until stopped."""

    def __init__(
        self, client: redis.Redis, held_tags: Callable[[], list[str]], period: float
    ) -> None:
        super().__init__(name="ingest-heartbeat", daemon=True)
        self.client, self.held_tags, self.period = client, held_tags, period
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.period):
            try:
                refresh(self.client, self.held_tags(), time.time())
            except redis.RedisError as exc:  # Redis down: kombu restores nothing meanwhile
                log.warning("heartbeat failed: %s", exc)


def held_tags() -> list[str]:
    """Delivery tags of the requests this worker process is running or has reserved."""
    from celery.worker import state  # the worker's own bookkeeping, in the main process

    requests = list(state.active_requests) + list(state.reserved_requests)
    return [str(tag) for r in requests if (tag := (r.delivery_info or {}).get("delivery_tag"))]


# -- a full Redis ----------------------------------------------------------------------------


def is_out_of_memory(exc: BaseException) -> bool:
    # redis-py raises OutOfMemoryError for a plain command; inside a pipeline (kombu's
    # append) the message is rewritten ("Command # 2 (HSET ...) caused error: ...").
    return isinstance(exc, redis.exceptions.OutOfMemoryError) or (
        isinstance(exc, redis.ResponseError) and "maxmemory" in str(exc)
    )


def tolerate_full_redis() -> None:
    """Keep consuming when kombu cannot record a delivery because Redis is at maxmemory."""
    from kombu.transport import redis as transport

    qos, base = transport.QoS, transport.virtual.QoS
    if getattr(qos.append, "_ingest_tolerant", False):
        return
    original = qos.append

    def append(self: Any, message: Any, delivery_tag: Any) -> None:
        try:
            original(self, message, delivery_tag)
        except redis.ResponseError as exc:
            if not is_out_of_memory(exc):
                raise
            # Delivered but not recorded for redelivery: the ledger sweep covers it.
            log.error("Redis is full (maxmemory): delivery %s not recorded", delivery_tag)
            base.append(self, message, delivery_tag)  # so that ack and reject still find it

    append._ingest_tolerant = True  # type: ignore[attr-defined]
    qos.append = append  # type: ignore[method-assign]
