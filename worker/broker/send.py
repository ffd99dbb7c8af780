"""The publisher's ``send(task_name, bodies)`` over a Celery app, with Redis back-pressure.

Broker failures leave here as ``TransientError`` naming the broker's host and port (never
its password). Before publishing, the sender looks at Redis's memory (at most once a
second): near ``maxmemory`` it waits for the workers to drain the queue instead of filling
Redis until it refuses writes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import kombu.exceptions
import redis
from celery import Celery

from worker.broker.connect import broker_address, broker_redis
from worker.core.errors import Reason, TransientError
from worker.ingest.publish import Send

log = logging.getLogger("worker.broker.send")
FULL = 0.9  # share of maxmemory above which the producer waits


class MemoryGate:
    """Waits while the broker's Redis is nearly full.

    Each look at Redis's memory grants a budget of bytes (the room left under ``FULL`` of
    maxmemory); the gate looks again when the budget is spent, or after ``every`` seconds.
    """

    def __init__(
        self,
        client: redis.Redis | None,
        wait: float,
        every: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client, self.wait, self.every = client, wait, every
        self.sleep, self.clock = sleep, clock
        self.checked_at = -float("inf")
        self.budget = 0.0

    def room(self) -> float:
        """Bytes that fit under ``FULL`` of maxmemory (infinite without a limit)."""
        if self.client is None:
            return float("inf")
        info = self.client.info("memory")
        limit = int(info.get("maxmemory", 0))
        return FULL * limit - int(info.get("used_memory", 0)) if limit else float("inf")

    def wait_for_room(self, size: int) -> None:
        if size <= self.budget and self.clock() - self.checked_at < self.every:
            self.budget -= size
            return
        deadline = self.clock() + self.wait
        while (room := self.room()) < size:
            if self.clock() > deadline:
                raise TransientError(
                    f"Redis stayed near its maxmemory for {self.wait:g} s",
                    reason=Reason.BROKER_DOWN,
                )
            log.warning("Redis is near its maxmemory: waiting for the workers to drain it")
            self.sleep(1.0)
        self.checked_at, self.budget = self.clock(), room - size


def message_size(bodies: list[Any]) -> int:
    """About how many bytes a message takes in Redis: its items' JSON, twice over for the
    envelope, the headers and the allocator (measured: 1.5x on a batch of short records)."""
    return 2 * sum(len(getattr(b, "text", "")) or 1000 for b in bodies) + 2000


def send_with(app: Celery, wait_for_room: float) -> Send:
    """One message per call, over the app's pooled producer connections; near maxmemory it
    waits up to ``wait_for_room`` seconds for the workers to drain Redis."""
    url = str(app.conf.broker_url)
    master = (app.conf.broker_transport_options or {}).get("master_name")
    client = broker_redis(url, master) if url.startswith(("redis", "sentinel")) else None
    gate = MemoryGate(client, wait_for_room)

    def send(name: str, bodies: list[Any]) -> None:
        try:
            gate.wait_for_room(message_size(bodies))
            # argsrepr: Celery would otherwise build a safe repr of the whole batch.
            with app.producer_pool.acquire(block=True) as producer:
                app.send_task(
                    name, args=[bodies], producer=producer,
                    argsrepr=f"[{len(bodies)} items]", kwargsrepr="{}",
                )  # fmt: skip
        except (kombu.exceptions.KombuError, redis.RedisError, OSError) as exc:
            detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise TransientError(
                f"broker {broker_address(url)} refused the message: {detail}",
                reason=Reason.BROKER_DOWN,
            ) from exc

    return send
