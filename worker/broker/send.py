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
from urllib.parse import urlsplit

import kombu.exceptions
import redis
from celery import Celery

from worker.core.errors import Reason, TransientError
from worker.ingest.publish import Send

log = logging.getLogger("worker.broker.send")
FULL = 0.9  # share of maxmemory above which the producer waits
WAIT_FOR_ROOM = 300.0  # seconds it waits for room before giving up


def broker_address(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or '?'}:{parts.port or 6379}"


class MemoryGate:
    """Waits while the broker's Redis is nearly full (checked at most once per ``every`` s)."""

    def __init__(
        self,
        client: redis.Redis | None,
        every: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client, self.every, self.sleep, self.clock = client, every, sleep, clock
        self.checked_at = -float("inf")

    def full(self) -> bool:
        if self.client is None:
            return False
        info = self.client.info("memory")
        limit = int(info.get("maxmemory", 0))
        return bool(limit) and int(info.get("used_memory", 0)) > FULL * limit

    def wait_for_room(self) -> None:
        if self.clock() - self.checked_at < self.every:
            return
        deadline = self.clock() + WAIT_FOR_ROOM
        while self.full():
            if self.clock() > deadline:
                raise TransientError("Redis stayed full (maxmemory)", reason=Reason.BROKER_DOWN)
            log.warning("Redis is over %d%% of maxmemory: waiting for the workers", FULL * 100)
            self.sleep(1.0)
        self.checked_at = self.clock()


def send_with(app: Celery) -> Send:
    """One message per call, over the app's pooled producer connections."""
    url = str(app.conf.broker_url)
    gate = MemoryGate(redis.Redis.from_url(url) if url.startswith(("redis", "rediss")) else None)

    def send(name: str, bodies: list[Any]) -> None:
        try:
            gate.wait_for_room()
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
