"""The Celery app and its delivery settings (``worker/app.py`` builds the one users run).

Where we differ from Celery's defaults, and why:
- JSON only, in and out: a pickle message is never deserialised.
- ``acks_late`` + ``reject_on_worker_lost``: a batch is acked after its transaction commits,
  so a worker that dies mid-batch leaves the message to be redelivered, not lost.
- prefetch 1: a slow batch does not hold others hostage in a busy worker's buffer.
- a short visibility timeout (30 s) with a heartbeat: a worker keeps the messages it holds
  fresh, so a long batch is never handed to a second worker, while the messages of a dead
  worker are back in the queue within seconds (see worker/broker/delivery.py).
- task events on, so Flower sees tasks; results off (outcomes live in the store).
"""

from __future__ import annotations

from celery import Celery
from kombu import Queue
from kombu.serialization import registry

from worker.broker import tasks
from worker.broker.refuse import use_refusing_channel
from worker.core import fastjson
from worker.core.messages import (
    FETCH_QUEUE,
    FETCH_TASK,
    INGEST_QUEUE,
    POLL_FEED_TASK,
    POLL_FEEDS_TASK,
    PROCESS_TASK,
)
from worker.core.settings import Settings


def use_fast_json() -> None:
    """orjson for the ``json`` content type: the same JSON on the wire, several times faster.

    A batch message carries a hundred articles; encoding and decoding them was a visible
    share of the producer's and the workers' time. What orjson refuses (integers beyond 64
    bits) falls back to the standard library.
    """
    registry.register(
        "json",
        fastjson.dumps,
        fastjson.loads,
        content_type="application/json",
        content_encoding="utf-8",
    )


def use_fast_envelopes() -> None:
    """orjson for the JSON envelope kombu's Redis transport wraps every message in.

    kombu encodes it with the standard library: on publish, and again on every delivery
    when it keeps a copy of the message for redelivery (the unacked hash), a visible cost
    for messages of hundreds of articles. The same JSON comes out, as bytes (redis-py takes
    them). Values orjson would write differently from kombu (datetimes, subclasses,
    dataclasses, which kombu tags with their type) or refuses go to kombu's own encoder.
    """
    import kombu.transport.redis as redis_transport

    if redis_transport.dumps is not fastjson.envelope_dumps:
        fastjson.kombu_dumps = redis_transport.dumps
        redis_transport.dumps = fastjson.envelope_dumps  # type: ignore[assignment]


def make_app(settings: Settings) -> Celery:
    use_fast_json()
    use_fast_envelopes()
    use_refusing_channel()  # a malformed list entry is refused, not fatal to the worker
    app = Celery("ingest")
    app.conf.update(celery_config(settings))
    tasks.register(app)
    return app


def celery_config(settings: Settings) -> dict[str, object]:
    # Redis Sentinel (a sentinel:// URL): kombu finds the master of this name through them.
    master = {"master_name": settings.broker_master_name} if settings.broker_master_name else {}
    return {
        "broker_url": settings.broker_url.get_secret_value(),
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            **master,
            "visibility_timeout": settings.visibility_timeout,
            # kombu scans for unacked messages past their timeout only every 10th interval
            # by default (about 100 s); scan every interval so a lost message comes back
            # soon after its visibility timeout.
            "unacked_restore_throttle": 1,
            # Every 5 s, so that a dead worker's messages are back soon after the (short)
            # visibility timeout; live workers keep theirs refreshed (broker/delivery.py).
            "unacked_restore_interval": 5,
            # A sweeper killed while holding kombu's restore mutex blocks restores this long.
            "unacked_mutex_expire": 15,
            # Our bodies are JSON text already: store them as they are, not base64'd
            # (a third smaller in Redis, and no encode/decode per message).
            "body_encoding": "utf-8",
        },
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "event_serializer": "json",
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A hard time limit hands the message back (counted as a death, see delivery.py)
        # instead of acking it with its items still pending.
        "task_acks_on_timeout": False,
        "task_time_limit": settings.task_time_limit,
        "task_soft_time_limit": max(1, settings.task_time_limit - 15),
        "worker_prefetch_multiplier": settings.prefetch_multiplier,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "task_default_queue": INGEST_QUEUE,
        # Both queues declared: a plain `celery -A worker.app worker` serves URLs too;
        # `-Q fetch` makes a fetch-only worker (a thread pool suits it).
        "task_queues": (Queue(INGEST_QUEUE), Queue(FETCH_QUEUE)),
        "task_routes": {
            FETCH_TASK: {"queue": FETCH_QUEUE},
            PROCESS_TASK: {"queue": INGEST_QUEUE},
            POLL_FEEDS_TASK: {"queue": FETCH_QUEUE},
            POLL_FEED_TASK: {"queue": FETCH_QUEUE},
        },
        "beat_schedule": beat_schedule(settings),
        "worker_hijack_root_logger": False,
        # Our consumer also records refused messages (non-JSON content, malformed
        # envelopes: see worker/broker/refuse.py) in the store.
        "worker_consumer": "worker.broker.refuse:RecordingConsumer",
    }


def beat_schedule(settings: Settings) -> dict[str, dict[str, object]]:
    """One tick; which feeds are due is decided from their state in the store."""
    # A tick nobody consumed in time is dropped, not stacked up behind a stopped fetcher.
    expires = max(10.0, 5 * settings.poll_tick)
    return {
        "poll-feeds": {
            "task": POLL_FEEDS_TASK,
            "schedule": settings.poll_tick,
            "options": {"expires": expires},
        }
    }
