"""Our own connections to the broker's Redis, beside Celery's: the delivery counts and
heartbeat, the ledger sweep, the queue depth, the producer's memory check, progress.

``INGEST_BROKER_URL`` is either a Redis URL (``redis://``, ``rediss://``, ``unix://``) or,
as kombu writes it, a list of Redis Sentinels, ``sentinel://:password@host:26379/0;
sentinel://host2:26379``; with sentinels, every connection goes to the current master of
``INGEST_BROKER_MASTER_NAME``, found through them (again after a failover), with the
password and database of the first entry, as kombu's Sentinel transport does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.sentinel import Sentinel

from worker.core.errors import ConfigError

SENTINEL = "sentinel://"
SENTINEL_PORT = 26379


def sentinel_nodes(url: str) -> list[tuple[str, int]]:
    """The (host, port) of each sentinel a ``sentinel://...;sentinel://...`` URL lists."""
    return [
        (parts.hostname or "127.0.0.1", parts.port or SENTINEL_PORT)
        for parts in (urlsplit(entry.strip()) for entry in url.split(";") if entry.strip())
    ]


def broker_redis(url: str, master_name: str | None = None, **options: Any) -> redis.Redis:
    """A client of the broker's Redis; ``options`` go to redis-py (``socket_timeout``...)."""
    if not url.startswith(SENTINEL):
        return redis.Redis.from_url(url, **options)
    if not master_name:
        raise ConfigError("INGEST_BROKER_URL lists Redis Sentinels: set INGEST_BROKER_MASTER_NAME")
    first = urlsplit(url.split(";")[0])
    credentials = {
        "username": unquote(first.username) if first.username else None,
        "password": unquote(first.password) if first.password else None,
    }
    db = int(first.path.strip("/") or 0)
    timeouts = {k: v for k, v in options.items() if k.startswith("socket_")}
    sentinels = Sentinel(sentinel_nodes(url), **timeouts)
    return sentinels.master_for(master_name, db=db, **credentials, **options)


def broker_address(url: str) -> str:
    """``host:port`` of the broker (the first sentinel of a list), never its password."""
    parts = urlsplit(url.split(";")[0])
    try:
        port = parts.port
    except ValueError:
        port = None
    default = SENTINEL_PORT if url.startswith(SENTINEL) else 6379
    return f"{parts.hostname or '?'}:{port or default}"
