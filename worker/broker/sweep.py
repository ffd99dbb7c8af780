"""The ledger sweep: items that wait too long for an outcome are sent again, by the workers.

An item is registered ``pending`` before it is published. If its message never arrives (the
producer died between the two, Redis refused the publish, a worker died holding a message
Redis could not record), the ledger still knows it. Every worker node runs this sweep on a
timer; a Redis lock makes one node sweep at a time. Redelivery is harmless (item keys are
unique), so the only question is *when* an item counts as lost:

- a message still queued is not lost: anything registered after the oldest queued message
  was sent may still be behind it in the queue;
- a message held by a worker is refreshed by its heartbeat, or back in the queue within the
  visibility timeout, and a running batch ends within the task time limit;
- so an item is lost once it is older than the oldest queued message, and, while any message
  is held, older than the visibility timeout plus the task time limit too.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import redis

from worker.broker.connect import broker_redis
from worker.core.messages import QUEUES
from worker.core.settings import Settings
from worker.ingest.runtime import Runtime
from worker.observe.metrics import record_resent

log = logging.getLogger("worker.broker.sweep")
LOCK_KEY = "ingest:sweep-lock"
UNACKED_KEY = "unacked"  # kombu's hash of delivered, unacknowledged messages
MARGIN = timedelta(seconds=30)  # a producer registers a chunk a moment before it publishes it
PAGE = 1000


def lost_cutoff(
    now: datetime, oldest_queued: datetime | None, in_flight: int, settings: Settings
) -> datetime:
    """Items sent before this moment and still pending are lost (see the module's docstring)."""
    cutoff = min(now, oldest_queued) if oldest_queued is not None else now
    if in_flight:
        held = timedelta(seconds=settings.visibility_timeout + settings.task_time_limit)
        cutoff = min(cutoff, now - held)
    return cutoff - MARGIN


def lost_after(settings: Settings) -> float:
    """Seconds after which a pending item is lost even while messages are held."""
    return settings.visibility_timeout + settings.task_time_limit + MARGIN.total_seconds()


def sweep_period(settings: Settings) -> float:
    return float(max(10, settings.visibility_timeout))


def received_at(raw: bytes | str | None) -> datetime | None:
    """When the first item of a queued kombu message was read (None: not a batch of ours)."""
    if raw is None:
        return None
    try:
        envelope = json.loads(raw)
        body = envelope["body"]
        if envelope.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return datetime.fromisoformat(args[0][0]["received_at"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def oldest_queued(client: redis.Redis) -> tuple[bool, datetime | None]:
    """(anything queued, when its oldest batch was read); kombu pops from the right end."""
    stamps: list[datetime] = []
    queued = False
    for queue in QUEUES:
        raw = client.lindex(queue, -1)
        if raw is not None:
            queued = True
            stamp = received_at(raw)
            if stamp is None:
                return True, None
            stamps.append(stamp)
    return queued, min(stamps) if stamps else None


def sweep_once(client: redis.Redis, runtime: Runtime, now: datetime) -> int:
    """Send the lost items again; returns how many (0 if another node holds the lock)."""
    settings = runtime.settings
    if not client.set(LOCK_KEY, "1", nx=True, ex=int(sweep_period(settings))):
        return 0
    queued, oldest = oldest_queued(client)
    if queued and oldest is None:
        return 0  # a message we cannot date is queued: wait until it has been taken
    cutoff = lost_cutoff(now, oldest, int(client.hlen(UNACKED_KEY)), settings)
    return resend_lost(runtime, cutoff, now, sent=record_resent)


def resend_lost(
    runtime: Runtime,
    cutoff: datetime,
    now: datetime,
    sent: Callable[[int], object] = lambda count: None,
) -> int:
    """Page through every item pending since before ``cutoff`` and publish it again;
    ``sent`` hears of each page once it is published (the workers' metric)."""
    total = 0
    while items := runtime.store.take_lost(cutoff, now, PAGE):
        runtime.publisher.publish(items, "sweep")
        sent(len(items))
        total += len(items)
    return total


class Sweeper(threading.Thread):
    """Runs the sweep every period in a worker's main process, until stopped."""

    def __init__(self, settings: Settings, make_runtime: Callable[[], Runtime]) -> None:
        super().__init__(name="ingest-sweep", daemon=True)
        self.settings, self.make_runtime = settings, make_runtime
        self.stopped = threading.Event()

    def run(self) -> None:
        url = self.settings.broker_url.get_secret_value()
        client = broker_redis(url, self.settings.broker_master_name)
        while not self.stopped.wait(sweep_period(self.settings)):
            try:
                # A runtime per sweep: no connection pool lingers in the parent across the
                # forks of replacement pool processes.
                with self.make_runtime() as runtime:
                    sent = sweep_once(client, runtime, datetime.now(UTC))
                if sent:
                    log.warning("sweep: sent %d lost item(s) again", sent)
            except Exception as exc:  # a store or broker outage: try again next period
                log.warning("sweep skipped: %s", exc)
